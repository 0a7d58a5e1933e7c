import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, unlink, writeFile, utimes, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadFiles, downloadFilesIter } from "../../src/download/download-files.js";
import type { DownloadEvent, TransferFile } from "../../src/download/types.js";
import { LlamagateError } from "../../src/core/errors.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const FAST_RETRY = { attempts: 4, baseMs: 5, maxMs: 20 };

const A = randomBytes(3 * 1024 * 1024 + 17);
const B = randomBytes(700_001);
const C = Buffer.from('{"dim": 4096}\n');

let server: RangeServer;
let dir: string;

beforeAll(async () => {
  server = await startRangeServer({ files: { "/m/a.pth": A, "/m/b.pth": B, "/params.json": C }, chunkSize: 16 << 10 });
});
afterAll(() => server.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "llamagate-engine-"));
  server.clearLog();
  server.clearFaults();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function file(path: string, data: Buffer, extra: Partial<TransferFile> = {}): TransferFile {
  return {
    url: `${server.origin}${path}?Signature=sekrit`,
    destPath: join(dir, path.replace(/^\//, "")),
    displayName: path.slice(1),
    expectedSize: data.length,
    expectedHash: { algorithm: "md5", hex: md5(data) },
    ...extra,
  };
}

/** md5 of a file on disk (comparing multi-MB buffers with toEqual is very slow in vitest). */
async function digestOf(path: string): Promise<string> {
  return md5(await readFile(path));
}

async function collect(
  params: Parameters<typeof downloadFilesIter>[0],
): Promise<{ events: DownloadEvent[]; error?: unknown }> {
  const events: DownloadEvent[] = [];
  try {
    for await (const e of downloadFilesIter(params)) events.push(e);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

// Every case on both receive paths: undici's (the default below 8 MiB) and the raw one (rawBodyMinBytes 0).
describe.each([
  ["undici", {}],
  ["the raw receive path", { rawBodyMinBytes: 0 }],
])("transfer engine (%s)", (_path, via) => {
  it("receives on the path chosen: the raw one asks the server to close each connection after its file", async () => {
    await downloadFiles({ ...via, files: [file("/m/a.pth", A), file("/m/b.pth", B)], retry: FAST_RETRY });
    expect(await digestOf(join(dir, "m/a.pth"))).toBe(md5(A));
    const gets = server.log.filter((e) => e.method === "GET");
    expect(gets).toHaveLength(2);
    for (const g of gets) expect(g.headers.connection).toBe("rawBodyMinBytes" in via ? "close" : "keep-alive");
  });

  it("downloads several files at once, verifies them and reports hashes", async () => {
    const files = [
      file("/m/a.pth", A, { hashAlgorithms: ["sha256"] }),
      file("/m/b.pth", B),
      file("/params.json", C, { expectedHash: undefined, hashAlgorithms: ["md5"] }),
    ];
    const summary = await downloadFiles({ ...via, files, concurrency: 3, retry: FAST_RETRY });
    expect(await digestOf(join(dir, "m/a.pth"))).toBe(md5(A));
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
    expect(await digestOf(join(dir, "params.json"))).toBe(md5(C));
    const a = summary.files.find((f) => f.name === "m/a.pth")!;
    expect(a.hashes).toEqual({ md5: md5(A), sha256: sha256(A) });
    expect(a.verified).toBe(true);
    expect(summary.files.find((f) => f.name === "params.json")!.hashes.md5).toBe(md5(C));
    expect(summary.totals.bytesTransferred).toBe(A.length + B.length + C.length);
    expect((await readdir(join(dir, "m"))).filter((n) => n.includes("partial"))).toEqual([]);
    expect(existsSync(join(dir, ".llamagate.lock"))).toBe(false);
  });

  it("a rerun of a finished download transfers zero body bytes and sends no GET", async () => {
    const files = [
      file("/m/a.pth", A),
      file("/m/b.pth", B),
      file("/params.json", C, { expectedHash: undefined, expectedSize: undefined }),
    ];
    await downloadFiles({ ...via, files, retry: FAST_RETRY });
    server.clearLog();
    const again = await downloadFiles({ ...via, files, retry: FAST_RETRY });
    expect(server.log.filter((e) => e.method === "GET")).toEqual([]);
    expect(again.totals.bytesTransferred).toBe(0);
    expect(again.files.every((f) => f.skipped)).toBe(true);
    expect(again.files.find((f) => f.name === "m/a.pth")!.skipReason).toBe("verified-sidecar");
  });

  it("re-hashes when the sidecar no longer matches, and replaces a corrupted complete file", async () => {
    const files = [file("/m/b.pth", B)];
    await downloadFiles({ ...via, files, retry: FAST_RETRY });
    const bad = Buffer.from(B);
    bad[10] = bad[10]! ^ 1;
    await writeFile(join(dir, "m/b.pth"), bad);
    server.clearLog();
    const { events } = await collect({ ...via, files, retry: FAST_RETRY });
    expect(events.some((e) => e.type === "file-corrupt")).toBe(true);
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
    expect(await digestOf(join(dir, "m/b.pth.corrupt"))).toBe(md5(bad));
    expect(server.requestsFor("/m/b.pth")).toHaveLength(1);

    // Same content, new mtime: hashed again (no sidecar trust) but not downloaded.
    await utimes(join(dir, "m/b.pth"), new Date(), new Date(Date.now() - 5000));
    server.clearLog();
    const s = await downloadFiles({ ...via, files, retry: FAST_RETRY });
    expect(s.files[0]!.skipReason).toBe("hash-match");
    expect(server.log).toEqual([]);
  });

  it("resumes after a dropped connection with a ranged continuation", async () => {
    server.addFault("/m/a.pth", { kind: "drop", afterBytes: 1_000_000 });
    const events: DownloadEvent[] = [];
    for await (const e of downloadFilesIter({ ...via, files: [file("/m/a.pth", A)], retry: FAST_RETRY }))
      events.push(e);
    expect(await digestOf(join(dir, "m/a.pth"))).toBe(md5(A));
    const gets = server.requestsFor("/m/a.pth");
    expect(gets).toHaveLength(2);
    expect(gets[0]!.range).toBeUndefined();
    const m = /^bytes=(\d+)-$/.exec(gets[1]!.range ?? "");
    expect(m).not.toBeNull();
    const resumedAt = Number(m![1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(1_000_000);
    expect(gets[1]!.status).toBe(206);
    expect(gets[1]!.bytesSent).toBe(A.length - resumedAt);
    expect(events.filter((e) => e.type === "file-retry")).toHaveLength(1);
  });

  it("continues a partial file left by a killed run (and hashes its bytes)", async () => {
    await mkdir(join(dir, "m"), { recursive: true });
    // pid 999999999 is not running: its partial is taken over.
    await writeFile(join(dir, "m/a.pth.llamagate-partial-999999999"), A.subarray(0, 1_234_567));
    const s = await downloadFiles({ ...via, files: [file("/m/a.pth", A)], retry: FAST_RETRY });
    expect(await digestOf(join(dir, "m/a.pth"))).toBe(md5(A));
    expect(server.requestsFor("/m/a.pth").map((e) => e.range)).toEqual(["bytes=1234567-"]);
    expect(s.files[0]!.bytesReused).toBe(1_234_567);
    expect(s.files[0]!.bytesTransferred).toBe(A.length - 1_234_567);
    expect(s.files[0]!.hashes.md5).toBe(md5(A));
  });

  it("detects bad bytes in a reused partial: moves aside, downloads once more", async () => {
    await mkdir(join(dir, "m"), { recursive: true });
    const wrong = Buffer.alloc(500_000, 7);
    await writeFile(join(dir, "m/a.pth.llamagate-partial-999999999"), wrong);
    const { events, error } = await collect({ ...via, files: [file("/m/a.pth", A)], retry: FAST_RETRY });
    expect(error).toBeUndefined();
    expect(await digestOf(join(dir, "m/a.pth"))).toBe(md5(A));
    expect(events.filter((e) => e.type === "file-corrupt")).toHaveLength(1);
    expect(server.requestsFor("/m/a.pth").map((e) => e.range)).toEqual(["bytes=500000-", undefined]);
  });

  it("handles a server that ignores Range (200 to a ranged request)", async () => {
    await mkdir(join(dir, "m"), { recursive: true });
    await writeFile(join(dir, "m/b.pth.llamagate-partial-999999999"), B.subarray(0, 300_000));
    server.addFault("/m/b.pth", { kind: "ignore-range" });
    const s = await downloadFiles({ ...via, files: [file("/m/b.pth", B)], retry: FAST_RETRY });
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
    const gets = server.requestsFor("/m/b.pth");
    expect(gets).toHaveLength(1);
    expect(gets[0]!.status).toBe(200);
    // The partial could not be used: the whole file came again and nothing counts as reused.
    expect(s.files[0]!.bytesReused).toBe(0);
    expect(s.files[0]!.bytesTransferred).toBe(B.length);
  });

  it("finishes from a partial that already holds the whole file (416)", async () => {
    await mkdir(join(dir, "m"), { recursive: true });
    await writeFile(join(dir, "m/b.pth.llamagate-partial-999999999"), B);
    const s = await downloadFiles({
      ...via,
      files: [file("/m/b.pth", B, { expectedSize: undefined })],
      retry: FAST_RETRY,
    });
    expect(server.requestsFor("/m/b.pth").map((e) => e.status)).toEqual([416]);
    expect(s.files[0]!.bytesTransferred).toBe(0);
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
  });

  it("restarts when the partial is longer than the file on the server (416)", async () => {
    await mkdir(join(dir, "m"), { recursive: true });
    await writeFile(join(dir, "m/b.pth.llamagate-partial-999999999"), Buffer.concat([B, Buffer.alloc(10)]));
    await downloadFiles({ ...via, files: [file("/m/b.pth", B, { expectedSize: undefined })], retry: FAST_RETRY });
    expect(server.requestsFor("/m/b.pth").map((e) => e.status)).toEqual([416, 200]);
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
  });

  it("retries 503 honouring Retry-After", async () => {
    server.addFault("/m/b.pth", { kind: "status", status: 503, headers: { "retry-after": "1" } });
    const { events, error } = await collect({ ...via, files: [file("/m/b.pth", B)], retry: FAST_RETRY });
    expect(error).toBeUndefined();
    const retry = events.find((e) => e.type === "file-retry");
    expect(retry).toMatchObject({ reason: "HTTP 503", waitMs: 1000 });
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
  });

  it("gives up after the retry budget with a network error", async () => {
    server.addFault("/m/b.pth", { kind: "status", status: 500 }, 10);
    const { error } = await collect({
      ...via,
      files: [file("/m/b.pth", B)],
      retry: { attempts: 2, baseMs: 1, maxMs: 2 },
    });
    expect(error).toBeInstanceOf(LlamagateError);
    expect((error as LlamagateError).category).toBe("network");
    expect(server.requestsFor("/m/b.pth")).toHaveLength(3);
    expect(existsSync(join(dir, "m/b.pth"))).toBe(false);
  });

  it("aborts a stalled transfer and resumes it", async () => {
    server.addFault("/m/b.pth", { kind: "stall", afterBytes: 200_000 });
    const s = await downloadFiles({ ...via, files: [file("/m/b.pth", B)], retry: FAST_RETRY, stallTimeoutMs: 300 });
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
    expect(s.files[0]!.retries).toBe(1);
    expect(server.requestsFor("/m/b.pth")[1]!.range).toMatch(/^bytes=\d+-$/);
  });

  it("downloads a corrupted response once more, then succeeds", async () => {
    server.addFault("/m/b.pth", { kind: "corrupt" });
    const { events, error } = await collect({ ...via, files: [file("/m/b.pth", B)], retry: FAST_RETRY });
    expect(error).toBeUndefined();
    const corrupt = events.find((e) => e.type === "file-corrupt");
    expect(corrupt).toMatchObject({ expected: md5(B), algorithm: "md5" });
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
    expect(existsSync(join(dir, "m/b.pth.corrupt"))).toBe(true);
  });

  it("fails with both hashes when the second copy is bad too", async () => {
    server.addFault("/m/b.pth", { kind: "corrupt" }, 2);
    const bad = Buffer.from(B);
    bad[Math.floor(B.length / 2)] = bad[Math.floor(B.length / 2)]! ^ 0xff;
    const { error } = await collect({ ...via, files: [file("/m/b.pth", B)], retry: FAST_RETRY });
    expect(error).toMatchObject({ code: "CHECKSUM_MISMATCH", category: "integrity" });
    expect((error as Error).message).toContain(md5(B));
    expect((error as Error).message).toContain(md5(bad));
    expect(existsSync(join(dir, "m/b.pth"))).toBe(false);
  });

  it("recognises an HTML page instead of the file", async () => {
    server.addFault("/m/b.pth", { kind: "html" });
    const { error } = await collect({ ...via, files: [file("/m/b.pth", B)], retry: FAST_RETRY });
    expect(error).toMatchObject({ code: "HTML_INSTEAD_OF_FILE", category: "integrity" });
    expect(existsSync(join(dir, "m/b.pth"))).toBe(false);
  });

  it("lets the source classify errors (403) and stops the other files", async () => {
    server.addFault("/m/b.pth", { kind: "status", status: 403, body: "<Error><Code>AccessDenied</Code></Error>" });
    const seen: number[] = [];
    const { error } = await collect({
      ...via,
      files: [file("/m/b.pth", B)],
      retry: FAST_RETRY,
      classifyHttpError: (info) => {
        seen.push(info.status);
        return info.bodySnippet.includes("AccessDenied")
          ? new LlamagateError("SIGNED_URL_REJECTED", "access", "denied")
          : undefined;
      },
    });
    expect(seen).toEqual([403]);
    expect(error).toMatchObject({ code: "SIGNED_URL_REJECTED", category: "access" });
  });

  it("reports a 404 for one file and still downloads the others", async () => {
    const files = [file("/m/b.pth", B), { ...file("/m/missing.pth", C) }];
    const { events, error } = await collect({ ...via, files, retry: FAST_RETRY });
    expect(error).toMatchObject({ code: "HTTP_404", category: "not-found" });
    const summary = events.find((e) => e.type === "summary");
    expect(summary?.type === "summary" && summary.summary.failed.map((f) => f.name)).toEqual(["m/missing.pth"]);
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
  });

  it("sends headers to the origin only and drops them on a cross-origin redirect", async () => {
    const other = await startRangeServer({ files: { "/blob": B } });
    try {
      server.addFault("/m/b.pth", { kind: "redirect", location: `${other.origin}/blob` });
      await downloadFiles({
        ...via,
        files: [file("/m/b.pth", B, { headers: { authorization: "Bearer hf_abcdefghijkl" } })],
        retry: FAST_RETRY,
      });
      expect(server.requestsFor("/m/b.pth")[0]!.headers.authorization).toBe("Bearer hf_abcdefghijkl");
      expect(other.requestsFor("/blob")[0]!.headers.authorization).toBeUndefined();
      expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
    } finally {
      await other.close();
    }
  });

  it("stops on abort, keeps the partial and throws InterruptedError; the rerun resumes", async () => {
    server.addFault("/m/a.pth", { kind: "stall", afterBytes: 2_000_000 });
    const ac = new AbortController();
    const it = downloadFilesIter({
      ...via,
      files: [file("/m/a.pth", A)],
      retry: FAST_RETRY,
      signal: ac.signal,
      progressIntervalMs: 0,
    });
    let error: unknown;
    try {
      for await (const e of it) if (e.type === "file-progress" && e.bytesDone >= 1_000_000) ac.abort();
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ category: "interrupted" });
    const partials = (await readdir(join(dir, "m"))).filter((n) => n.includes(".llamagate-partial-"));
    expect(partials).toHaveLength(1);
    expect(existsSync(join(dir, ".llamagate.lock"))).toBe(false);
    server.clearLog();
    await downloadFiles({ ...via, files: [file("/m/a.pth", A)], retry: FAST_RETRY });
    expect(server.requestsFor("/m/a.pth")[0]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(await digestOf(join(dir, "m/a.pth"))).toBe(md5(A));
  });

  it("waits for another live run's folder lock, then fails with LOCK_HELD after lockWaitMs", async () => {
    await writeFile(
      join(dir, ".llamagate.lock"),
      JSON.stringify({ pid: process.ppid, host: (await import("node:os")).hostname(), startedAt: "x" }),
    );
    const { events, error } = await collect({
      ...via,
      files: [file("/m/b.pth", B)],
      lockDir: dir,
      retry: FAST_RETRY,
      lockWaitMs: 1000,
    });
    expect(error).toMatchObject({ code: "LOCK_HELD", category: "filesystem", details: { pid: process.ppid } });
    expect(events.filter((e) => e.type === "lock-wait")[0]).toMatchObject({ pid: process.ppid, dir, timeoutMs: 1000 });
    expect(events.some((e) => e.type === "plan")).toBe(false);
    expect(server.requestsFor("/m/b.pth")).toHaveLength(0);
    await writeFile(
      join(dir, ".llamagate.lock"),
      JSON.stringify({ pid: 999999999, host: (await import("node:os")).hostname(), startedAt: "x" }),
    );
    await downloadFiles({ ...via, files: [file("/m/b.pth", B)], lockDir: dir, retry: FAST_RETRY });
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
  });

  it("starts as soon as the other run lets go of the folder lock", async () => {
    const lockPath = join(dir, ".llamagate.lock");
    await writeFile(
      lockPath,
      JSON.stringify({ pid: process.ppid, host: (await import("node:os")).hostname(), startedAt: "x" }),
    );
    const events: DownloadEvent[] = [];
    const run = (async () => {
      for await (const e of downloadFilesIter({
        ...via,
        files: [file("/m/b.pth", B)],
        lockDir: dir,
        retry: FAST_RETRY,
        lockWaitMs: 60_000,
      })) {
        events.push(e);
        if (e.type === "lock-wait") await unlink(lockPath); // the other run finishes
      }
    })();
    await run;
    expect(events[0]).toMatchObject({ type: "lock-wait", pid: process.ppid });
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
    expect(existsSync(lockPath)).toBe(false);
  });

  it("retries a server that accepts the request but never answers", async () => {
    server.addFault("/m/b.pth", { kind: "no-response" });
    const s = await downloadFiles({ ...via, files: [file("/m/b.pth", B)], retry: FAST_RETRY, stallTimeoutMs: 300 });
    expect(s.files[0]!.retries).toBe(1);
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
  });

  it("stops at once on a redirect loop", async () => {
    server.addFault("/m/b.pth", { kind: "redirect", location: "/m/b.pth" }, 20);
    const { error } = await collect({ ...via, files: [file("/m/b.pth", B)], retry: FAST_RETRY });
    expect(error).toMatchObject({ code: "BAD_REDIRECT" });
    expect(server.requestsFor("/m/b.pth")).toHaveLength(9);
  });

  it("refuses a server file whose size differs from the expected size", async () => {
    const { error } = await collect({
      ...via,
      files: [file("/m/b.pth", B, { expectedSize: B.length + 1, expectedHash: undefined })],
      retry: FAST_RETRY,
    });
    expect(error).toMatchObject({ code: "SIZE_MISMATCH", category: "integrity" });
    expect(existsSync(join(dir, "m/b.pth"))).toBe(false);
  });

  it("never puts the URL's secret query in events, errors or summaries", async () => {
    server.addFault("/m/a.pth", { kind: "drop", afterBytes: 100_000 });
    server.addFault("/m/b.pth", { kind: "status", status: 503, headers: { "retry-after": "0" } });
    const files = [file("/m/a.pth", A), file("/m/b.pth", B), file("/m/missing.pth", C), file("/params.json", C)];
    server.addFault("/params.json", { kind: "html" });
    const { events, error } = await collect({ ...via, files, retry: FAST_RETRY });
    const err = error as LlamagateError;
    const text = [JSON.stringify(events), err.message, err.hint, JSON.stringify(err.details), String(err.stack)].join(
      "\n",
    );
    expect(text).not.toContain("sekrit");
    expect(text).not.toContain("Signature");
    expect(text).toContain("m/missing.pth");
  });

  it("releases the lock when the consumer stops iterating early", async () => {
    const it = downloadFilesIter({ ...via, files: [file("/m/a.pth", A)], retry: FAST_RETRY });
    for await (const e of it) if (e.type === "file-start") break;
    expect(existsSync(join(dir, ".llamagate.lock"))).toBe(false);
    await downloadFiles({ ...via, files: [file("/m/a.pth", A)], retry: FAST_RETRY });
    expect(await digestOf(join(dir, "m/a.pth"))).toBe(md5(A));
  });

  it("never writes an unrequested 206 range at the wrong offset", async () => {
    server.addFault("/m/b.pth", { kind: "wrong-range", start: 1000 });
    const s = await downloadFiles({ ...via, files: [file("/m/b.pth", B)], retry: FAST_RETRY });
    expect(s.files[0]!.retries).toBe(1);
    expect(await digestOf(join(dir, "m/b.pth"))).toBe(md5(B));
  });

  it("downloads an empty file", async () => {
    server.setFile("/empty.txt", Buffer.alloc(0));
    const s = await downloadFiles({ ...via, files: [file("/empty.txt", Buffer.alloc(0))], retry: FAST_RETRY });
    expect(s.files[0]!.hashes.md5).toBe(md5(Buffer.alloc(0)));
    expect((await readFile(join(dir, "empty.txt"))).length).toBe(0);
    const again = await downloadFiles({ ...via, files: [file("/empty.txt", Buffer.alloc(0))], retry: FAST_RETRY });
    expect(again.files[0]!.skipped).toBe(true);
  });
});
