import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadFiles, downloadFilesIter } from "../../src/download/download-files.js";
import { pieceSize } from "../../src/download/transfer-parts.js";
import type { TransferFile } from "../../src/download/types.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const FAST_RETRY = { attempts: 4, baseMs: 5, maxMs: 20 };
const A = randomBytes(4 * 1024 * 1024 + 5);
const PART_MIN = 512 * 1024;

let server: RangeServer;
let dir: string;
beforeAll(async () => {
  server = await startRangeServer({ files: { "/big.pth": A }, chunkSize: 16 << 10 });
});
afterAll(() => server.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "llamagate-parts-"));
  server.clearLog();
  server.clearFaults();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const file = (extra: Partial<TransferFile> = {}): TransferFile => ({
  url: `${server.origin}/big.pth`,
  destPath: join(dir, "big.pth"),
  displayName: "big.pth",
  expectedSize: A.length,
  expectedHash: { algorithm: "md5", hex: md5(A) },
  hashAlgorithms: ["sha256"],
  ...extra,
});

/** Byte ranges the requests asked for, in the order they arrived (sorted by start with `sorted`). */
function ranges(sorted = true): [number, number][] {
  const r = server
    .requestsFor("/big.pth")
    .map((e) => /^bytes=(\d+)-(\d+)$/.exec(e.range ?? ""))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
  return sorted ? r.sort((a, b) => a[0] - b[0]) : r;
}

/** Abort a parts download once `bytes` are on disk; resolves with the state file it left. */
async function abortAt(
  bytes: number,
  parts: number,
): Promise<{ parts: { start: number; end: number; done: number }[] }> {
  const ac = new AbortController();
  await expect(
    (async () => {
      const it = downloadFilesIter({
        files: [file()],
        partsPerFile: parts,
        partMinBytes: PART_MIN,
        retry: FAST_RETRY,
        signal: ac.signal,
        progressIntervalMs: 0,
      });
      for await (const e of it) if (e.type === "file-progress" && e.bytesDone >= bytes) ac.abort();
    })(),
  ).rejects.toMatchObject({ category: "interrupted" });
  return JSON.parse(await readFile(join(dir, "big.pth.llamagate-parts.json"), "utf8"));
}

// Every case on both receive paths: undici's (the default below 8 MiB) and the raw one (rawBodyMinBytes 0).
describe.each([
  ["undici", {}],
  ["the raw receive path", { rawBodyMinBytes: 0 }],
])("transfer engine: parallel Range parts (%s)", (_path, via) => {
  it("cuts a large file into pieces handed out in file order; the ranges tile it; it is hashed in order", async () => {
    const s = await downloadFiles({
      ...via,
      files: [file()],
      partsPerFile: 4,
      partMinBytes: PART_MIN,
      retry: FAST_RETRY,
    });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
    expect(s.files[0]!.hashes).toEqual({ md5: md5(A), sha256: createHash("sha256").update(A).digest("hex") });
    const piece = pieceSize(A.length, 4, PART_MIN);
    const r = ranges();
    expect(r).toHaveLength(Math.ceil(A.length / piece));
    expect(r[0]![0]).toBe(0);
    for (let i = 1; i < r.length; i++) expect(r[i]![0]).toBe(r[i - 1]![1] + 1);
    expect(r.at(-1)![1]).toBe(A.length - 1);
    // Each of the 4 connections takes the next piece: a piece is asked for within 4 places of its rank.
    const arrived = ranges(false).map((x) => x[0]);
    const rank = new Map(r.map((x, i) => [x[0], i]));
    arrived.forEach((start, i) => expect(Math.abs(rank.get(start)! - i)).toBeLessThan(4));
    expect(existsSync(join(dir, "big.pth.llamagate-parts.json"))).toBe(false);
  });

  it("never splits files that do not allow parts (frugal sources)", async () => {
    await downloadFiles({
      ...via,
      files: [file({ allowParts: false })],
      partsPerFile: 4,
      partMinBytes: PART_MIN,
      retry: FAST_RETRY,
    });
    expect(server.requestsFor("/big.pth").map((e) => e.range)).toEqual([undefined]);
  });

  it("retries only the piece whose connection dropped, from where it stopped", async () => {
    server.addFault("/big.pth", { kind: "drop", afterBytes: 300_000 });
    const s = await downloadFiles({
      ...via,
      files: [file()],
      partsPerFile: 2,
      partMinBytes: PART_MIN,
      retry: FAST_RETRY,
    });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
    const gets = server.requestsFor("/big.pth");
    expect(gets).toHaveLength(Math.ceil(A.length / pieceSize(A.length, 2, PART_MIN)) + 1);
    expect(s.files[0]!.retries).toBe(1);
    // Every byte crossed the wire once: the retry continued the dropped piece.
    expect(gets.reduce((n, e) => n + e.bytesSent, 0)).toBe(A.length);
    expect(ranges(false)[1]![0]).toBeGreaterThan(0);
  });

  it("a piece that keeps failing after progress is not given up (attempts reset after progress)", async () => {
    // 12 drops on the first two pieces, each after some bytes: more than the 4 attempts a piece may use.
    server.addFault("/big.pth", { kind: "drop", afterBytes: 60_000 }, 12);
    const s = await downloadFiles({
      ...via,
      files: [file()],
      partsPerFile: 2,
      partMinBytes: 2 << 20,
      retry: FAST_RETRY,
    });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
    expect(s.files[0]!.retries).toBe(12);
  });

  it("falls back to one stream when the server ignores Range", async () => {
    server.addFault("/big.pth", { kind: "ignore-range" }, 4);
    await downloadFiles({ ...via, files: [file()], partsPerFile: 4, partMinBytes: PART_MIN, retry: FAST_RETRY });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
  });

  it("reports the real sizes when the server sends more bytes than a piece asked for", async () => {
    server.addFault("/big.pth", { kind: "overlong", extra: 1000 });
    const piece = pieceSize(A.length, 2, PART_MIN);
    const err = await downloadFiles({
      ...via,
      files: [file()],
      partsPerFile: 2,
      partMinBytes: PART_MIN,
      retry: FAST_RETRY,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "SIZE_MISMATCH",
      details: { expected: piece, range: { start: 0, end: piece }, sentAtLeast: true },
    });
    const actual = (err as { details: { actual: number } }).details.actual;
    expect(actual).toBeGreaterThan(piece);
    expect(actual).toBeLessThanOrEqual(piece + 1000);
    expect((err as Error).message).toContain(
      `expected ${piece} bytes for bytes 0-${piece - 1}, the server sent at least ${actual}`,
    );
    expect((err as Error).message).not.toContain(String(A.length + 1));
  });

  it("keeps per-piece state on abort; a rerun resumes each unfinished piece where it stopped", async () => {
    await server.close();
    // 3 MB/s per connection: the abort lands mid-transfer, whatever the machine's load.
    server = await startRangeServer({ files: { "/big.pth": A }, chunkSize: 16 << 10, bytesPerSecond: 3_000_000 });
    const state = await abortAt(1_500_000, 2);
    const unfinished = state.parts.filter((p) => p.done < p.end - p.start);
    expect(unfinished.length).toBeGreaterThan(0);
    const saved = state.parts.reduce((n, p) => n + p.done, 0);
    expect(saved).toBeGreaterThanOrEqual(1_000_000);
    server.clearLog();
    const s = await downloadFiles({
      ...via,
      files: [file({ url: `${server.origin}/big.pth` })],
      partsPerFile: 2,
      partMinBytes: PART_MIN,
      retry: FAST_RETRY,
    });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
    expect(ranges().map((x) => x[0])).toEqual(unfinished.map((p) => p.start + p.done));
    expect(s.files[0]!.bytesReused).toBe(saved);
    expect(server.requestsFor("/big.pth").reduce((n, e) => n + e.bytesSent, 0)).toBe(A.length - saved);
  });

  it("a single-stream rerun keeps only the contiguous prefix of a multi-part partial", async () => {
    await server.close();
    server = await startRangeServer({ files: { "/big.pth": A }, chunkSize: 16 << 10, bytesPerSecond: 3_000_000 });
    const state = await abortAt(1_500_000, 2);
    let prefix = 0;
    for (const p of state.parts) {
      prefix = p.start + p.done;
      if (p.done < p.end - p.start) break;
    }
    expect(prefix).toBeGreaterThan(0);
    server.clearLog();
    await downloadFiles({ ...via, files: [file({ url: `${server.origin}/big.pth` })], retry: FAST_RETRY });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
    expect(server.requestsFor("/big.pth").map((e) => e.range)).toEqual([`bytes=${prefix}-`]);
  });
});
