import { closeSync, openSync } from "node:fs";
import { cp, readFile, readdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLlamagate, runLlamagateInProcess, startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    // The engine's per-file state (".<name>.llamagate.json") is hidden and not part of the layout.
    if (e.isFile() && !/(^|\/)\.[^/]+\.llamagate\.json$/.test(e.name))
      out.push(relative(dir, join(e.parentPath, e.name)).split("\\").join("/"));
  }
  return out.sort();
}

async function expectSameBytes(cdn: MetaCdn, dir: string, paths: string[]) {
  for (const p of paths) expect((await readFile(join(dir, p))).equals(await readFile(join(cdn.root, p))), p).toBe(true);
}

describe("download: Llama 2 (13B, 2 shards)", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-13b"] });
  });
  afterAll(() => cdn.close());

  const expected = [
    "LICENSE",
    "USE_POLICY.md",
    "llama-2-13b/checklist.chk",
    "llama-2-13b/consolidated.00.pth",
    "llama-2-13b/consolidated.01.pth",
    "llama-2-13b/params.json",
    "tokenizer.model",
    "tokenizer_checklist.chk",
  ];

  it("fetches download.sh's exact layout with identical bytes, one GET per file, and reports JSON", async () => {
    const dir = join(cdn.work, "out");
    const r = await runLlamagateInProcess(["download", "13B", "--dir", dir, "--json"], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await listFiles(dir)).toEqual(expected);
    await expectSameBytes(cdn, dir, expected);
    const gets = cdn.cdn.requests.filter((q) => q.method === "GET");
    expect(gets.map((q) => q.path).sort()).toEqual(expected);
    expect(gets.every((q) => q.range === undefined && q.status === 200)).toBe(true);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ ok: true, layout: "llama2", models: ["llama-2-13b"], verified: 4, retries: 0 });
    expect(json.bytes).toBe(Object.values(cdn.files).reduce((a, b) => a + b, 0));
    const shard = json.files.find((f: { name: string }) => f.name === "llama-2-13b/consolidated.01.pth");
    const { createHash } = await import("node:crypto");
    const shardBytes = await readFile(join(cdn.root, "llama-2-13b/consolidated.01.pth"));
    // sha256 beside md5, from the same read (a --sign-key signature reuses it).
    expect(shard.hashes).toEqual({
      md5: createHash("md5").update(shardBytes).digest("hex"),
      sha256: createHash("sha256").update(shardBytes).digest("hex"),
    });
    expect(shard.verified).toBe(true);
    // The documented shape (docs/json.md), the same core as --source hf: one folder key, relative paths.
    expectDocumentedShape(json, "download (meta)");
    expect(json).toMatchObject({ source: "meta", dir });
    expect(shard).toMatchObject({ path: "llama-2-13b/consolidated.01.pth", skipped: false });
    expect(String(json.seconds)).toMatch(/^\d+(\.\d{1,3})?$/);
    // The LICENSE that came with the weights is fingerprinted for the license review.
    expect(json.licenseFile).toEqual({
      status: "unknown-reference",
      family: "llama2",
      sha256: createHash("sha256")
        .update(await readFile(join(cdn.root, "LICENSE")))
        .digest("hex"),
    });
  });

  it("the audit log records the shipped LICENSE's sha256 once it is on disk (a rerun), null before", async () => {
    const { createHash } = await import("node:crypto");
    const { mkdtemp } = await import("node:fs/promises");
    const state = await mkdtemp(join(cdn.work, "state-"));
    const dir = join(cdn.work, "audit-out");
    const env = { LLAMAGATE_META_URL: cdn.url(), LLAMAGATE_DATA_DIR: state };
    expect((await runLlamagateInProcess(["download", "13B", "--dir", dir], { env })).code).toBe(0);
    expect((await runLlamagateInProcess(["download", "13B", "--dir", dir], { env })).code).toBe(0);
    const entries = (await readFile(join(state, "license-audit.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(entries.map((e) => e.licenseTextSha256)).toEqual([
      null,
      createHash("sha256")
        .update(await readFile(join(cdn.root, "LICENSE")))
        .digest("hex"),
    ]);
    expect(entries.every((e) => e.model === "llama-2-13b" && e.command === "download" && e.mau === 1000)).toBe(true);
  });

  it("--lock-wait: waits for another live run on the same folder, then exits 8 without a request", async () => {
    const { mkdir, writeFile: write } = await import("node:fs/promises");
    const { hostname } = await import("node:os");
    const dir = join(cdn.work, "locked");
    await mkdir(dir, { recursive: true });
    // This test process stands in for the other run: alive, on this host.
    await write(
      join(dir, ".llamagate.lock"),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }),
    );
    const before = cdn.cdn.requests.length;
    const r = await runLlamagate(["download", "13B", "--dir", dir, "--lock-wait", "1"], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/another llamagate run \(pid \d+/);
    expect(r.stderr).toMatch(/^error: .*waited/m);
    expect(cdn.cdn.requests.length).toBe(before);
  });

  it("a rerun of a finished download transfers zero body bytes", async () => {
    const dir = join(cdn.work, "out");
    const before = cdn.cdn.requests.length;
    const r = await runLlamagateInProcess(["download", "llama-2-13b", "--dir", dir, "--json"], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(r.code, r.stderr).toBe(0);
    const after = cdn.cdn.requests.slice(before);
    expect(after.reduce((a, q) => a + q.bytesSent, 0)).toBe(0);
    // Frugal with Meta links: complete, verified files cost no request at all.
    expect(after).toEqual([]);
    expect(JSON.parse(r.stdout).bytesTransferred).toBe(0);
    expect(await listFiles(dir)).toEqual(expected);
  });
});

describe("download: Code Llama (tokenizer inside the model folder)", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["codellama-7b-instruct"] });
  });
  afterAll(() => cdn.close());

  it("fetches the Code Llama layout, URL read from stdin with --meta-url -", async () => {
    const dir = join(cdn.work, "code");
    const r = await runLlamagate(["download", "CodeLlama-7b-Instruct", "--dir", dir, "--meta-url", "-"], {
      input: `${cdn.url()}\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    const expected = [
      "CodeLlama-7b-Instruct/checklist.chk",
      "CodeLlama-7b-Instruct/consolidated.00.pth",
      "CodeLlama-7b-Instruct/params.json",
      "CodeLlama-7b-Instruct/tokenizer.model",
      "LICENSE",
      "USE_POLICY.md",
    ];
    expect(await listFiles(dir)).toEqual(expected);
    await expectSameBytes(cdn, dir, expected);
    expect(r.stderr).toMatch(/valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(23h 5\dm left\)/);
  });
});

describe("download: the link from a redirected file (`llamagate download 7B < link.txt`)", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 10_000 });
  });
  afterAll(() => cdn.close());

  it("reads stdin without --meta-url when it is a file or a shell pipe", async () => {
    const link = join(cdn.work, "link.txt");
    await writeFile(link, `${cdn.url()}\n`);
    const fd = openSync(link, "r");
    try {
      const r = await runLlamagate(["download", "7B", "--dir", join(cdn.work, "o")], { stdinFd: fd });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/llama-2-7b\/consolidated\.00\.pth: OK/);
    } finally {
      closeSync(fd);
    }
  });
});

describe("download: --parts (opt-in multi-part)", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 3_500_000 });
  });
  afterAll(() => cdn.close());

  it("probes the shard's size with a one-byte Range, then fetches it in ranged parts", async () => {
    const dir = join(cdn.work, "parts");
    const r = await runLlamagateInProcess(
      ["download", "llama-2-7b", "--dir", dir, "--parts", "3", "--min-part-mb", "1"],
      {
        env: { LLAMAGATE_META_URL: cdn.url() },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const shard = cdn.cdn.requests.filter((q) => q.method === "GET" && q.path === "llama-2-7b/consolidated.00.pth");
    expect(shard[0]).toMatchObject({ range: "bytes=0-0", status: 206, bytesSent: 1 });
    const parts = shard.slice(1);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(parts.every((q) => q.status === 206)).toBe(true);
    expect(parts.reduce((a, q) => a + q.bytesSent, 0)).toBe(3_500_000);
    // Small files are never split or probed.
    expect(cdn.cdn.requests.filter((q) => q.path === "llama-2-7b/params.json").map((q) => q.range)).toEqual([
      undefined,
    ]);
    await expectSameBytes(cdn, dir, ["llama-2-7b/consolidated.00.pth", "llama-2-7b/params.json", "tokenizer.model"]);
  });
});

describe("download: a folder filled earlier by download.sh", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 500_000 });
  });
  afterAll(() => cdn.close());

  it("keeps weights whose md5 matches the checklist instead of fetching them again", async () => {
    const dir = join(cdn.work, "old");
    await cp(cdn.root, dir, { recursive: true });
    const r = await runLlamagateInProcess(["download", "llama-2-7b", "--dir", dir, "--json"], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(r.code, r.stderr).toBe(0);
    const fetched = cdn.cdn.requests.filter((q) => q.method === "GET" && q.bytesSent > 0).map((q) => q.path);
    expect(fetched).not.toContain("llama-2-7b/consolidated.00.pth");
    expect(fetched).not.toContain("tokenizer.model");
    const shard = JSON.parse(r.stdout).files.find((f: { name: string }) => f.name === "llama-2-7b/consolidated.00.pth");
    expect(shard).toMatchObject({ skipped: true, verified: true, bytesTransferred: 0 });
  });
});
