/**
 * A link the CDN refuses says it may have been damaged when pasted, and how to tell, and leaves no empty partial
 * file or folder behind.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLlamagate, startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";

describe("a refused Meta link", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"] });
  });
  afterAll(() => cdn.close());

  it("a damaged Signature: exit 4, 'may have been damaged when pasted' with how to tell", async () => {
    const url = new URL(cdn.url());
    url.searchParams.set("Signature", `${url.searchParams.get("Signature")!.slice(0, -4)}AAAA`);
    const dir = join(cdn.work, "refused");
    const r = await runLlamagate(["download", "7B", "--dir", dir, "--json"], {
      env: { LLAMAGATE_META_URL: url.toString() },
    });
    expect(r.code, r.stderr).toBe(4);
    const err = JSON.parse(r.stdout).error;
    expect(err.message).toMatch(/damaged when pasted/);
    expect(err.hint).toMatch(/compare the link with the email/);
    expect(r.stdout + r.stderr).not.toContain("AAAA");
    const left = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    expect(left).toEqual([]);
  });

  it("&amp; in a pasted link (copied from the email's HTML) is decoded", async () => {
    const dir = join(cdn.work, "amp");
    const r = await runLlamagate(["download", "7B", "--dir", dir, "--json"], {
      env: { LLAMAGATE_META_URL: cdn.url().replace(/&/g, "&amp;") },
    });
    expect(r.code, r.stderr).toBe(0);
  });
});
