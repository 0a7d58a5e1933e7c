import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startForwardProxy } from "../helpers/forward-proxy.js";
import { runCli } from "../helpers/run-cli.js";

describe("llamagate demo behind a corporate proxy", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("reaches its own local CDN directly: HTTPS_PROXY / HTTP_PROXY do not apply to it", async () => {
    // A proxy that refuses everyone: any demo request sent through it would fail.
    const proxy = await startForwardProxy({ credentials: { user: "nobody", pass: "unknown" } });
    try {
      const data = await mkdtemp(join(tmpdir(), "llamagate-demo-proxy-"));
      dirs.push(data);
      const r = await runCli(["demo", "--no-convert", "--json"], {
        env: { LLAMAGATE_DATA_DIR: data, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: "" },
        timeoutMs: 90_000,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, verify: { ok: 3 } });
      expect(proxy.log).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
