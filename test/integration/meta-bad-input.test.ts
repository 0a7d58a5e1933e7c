import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLlamagate, runLlamagateInProcess, startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";

describe("download: bad input", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 10_000 });
  });
  afterAll(() => cdn.close());
  const dl = (url: string, ...extra: string[]) =>
    runLlamagateInProcess(["download", "llama-2-7b", "--dir", join(cdn.work, "out"), ...extra], {
      env: { LLAMAGATE_META_URL: url },
    });

  it("an expired link: exit 4 before any request, saying when it expired and what to do", async () => {
    const before = cdn.cdn.requests.length;
    const r = await dl(cdn.url(new Date(Date.now() - 3 * 3600_000 - 60_000)));
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /^error: The signed URL expired at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(3h 1m ago\)\. Request a new link at https:\/\/www\.llama\.com\/llama-downloads\//m,
    );
    expect(cdn.cdn.requests.length).toBe(before);
  });

  it.each([
    ["no wildcard", (u: string) => u.replace("/*", "/llama-2-7b/params.json"), /no `\*` wildcard/],
    [
      "plain http outside loopback",
      (u: string) => u.replace(/^http:\/\/127\.0\.0\.1:\d+/, "http://download.llamameta.net"),
      /must use https/,
    ],
    ["no Policy", (u: string) => u.replace(/Policy=[^&]+&/, ""), /no Policy parameter/],
    ["a Facebook redirect", (u: string) => `https://l.facebook.com/l.php?u=${encodeURIComponent(u)}`, /redirect link/],
  ])("a URL with %s: exit 2 with a one-line explanation, no request", async (_n, mangle, message) => {
    const before = cdn.cdn.requests.length;
    const r = await dl(mangle(cdn.url()));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain("<redacted>");
    expect(cdn.cdn.requests.length).toBe(before);
  });

  it("an unknown model: exit 2 with the nearest names, as JSON too", async () => {
    const r = await runLlamagateInProcess(["download", "llama-2-7b-caht", "--json"], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ ok: false, error: { code: "UNKNOWN_MODEL", category: "usage" } });
    expect(json.error.details.suggestions).toContain("llama-2-7b-chat");
  });

  it("models of two families in one run: exit 2", async () => {
    const r = await runLlamagateInProcess(["download", "llama-2-7b", "codellama-7b"], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mix model families/);
  });

  it("no URL and no terminal: exit 2 naming the flag", async () => {
    const r = await runLlamagateInProcess(["download", "llama-2-7b", "--dir", join(cdn.work, "x")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No Meta download URL given\. Pass --meta-url URL, set LLAMAGATE_META_URL/);
  });

  it("a link that is not a URL: exit 2, the message whole (its closing parenthesis is not redacted away)", async () => {
    const r = await dl("https://[not-a-url?Policy=abc");
    expect(r.code).toBe(2);
    const line = r.stderr
      .trim()
      .split("\n")
      .find((l) => l.includes("is not a URL"))!;
    expect(line).toMatch(/not a URL \(expected [^()]*\)\./);
    expect(line).not.toContain("abc");
  });

  it("--meta-url - with empty stdin: exit 2", async () => {
    const r = await runLlamagate(["download", "llama-2-7b", "--meta-url", "-"], { input: "\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Nothing was read from stdin/);
  });

  it("a bad --parts value: exit 2", async () => {
    const r = await dl(cdn.url(), "--parts", "0");
    expect(r.code).toBe(2);
  });

  it("a destination that cannot be created: exit 8, nothing fetched", async () => {
    const file = join(cdn.work, "a-file");
    await writeFile(file, "x");
    const before = cdn.cdn.requests.length;
    const r = await runLlamagateInProcess(["download", "llama-2-7b", "--dir", join(file, "sub"), "--json"], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(r.code, r.stderr).toBe(8);
    expect(JSON.parse(r.stdout).error.category).toBe("filesystem");
    expect(cdn.cdn.requests.length).toBe(before);
  });

  // Root ignores permission bits, so this one only runs as a normal user (the ENOTDIR case above runs everywhere).
  it.skipIf(process.getuid?.() === 0)("a read-only destination: exit 8 with the path and a hint", async () => {
    const ro = join(cdn.work, "read-only");
    await mkdir(ro);
    await chmod(ro, 0o555);
    try {
      const r = await runLlamagateInProcess(["download", "llama-2-7b", "--dir", join(ro, "llama")], {
        env: { LLAMAGATE_META_URL: cdn.url() },
      });
      expect(r.code, r.stderr).toBe(8);
      expect(r.stderr).toMatch(/Permission denied/);
    } finally {
      await chmod(ro, 0o755);
    }
  });
});
