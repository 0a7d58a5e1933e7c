import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadFiles, downloadFilesIter } from "../../src/download/download-files.js";
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

/** Byte ranges a set of requests covered, sorted. */
function ranges(): [number, number][] {
  return server
    .requestsFor("/big.pth")
    .map((e) => /^bytes=(\d+)-(\d+)$/.exec(e.range ?? ""))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), Number(m[2])] as [number, number])
    .sort((a, b) => a[0] - b[0]);
}

describe("transfer engine: parallel Range parts", () => {
  it("splits a large file into N ranged requests that tile it, and hashes it in order", async () => {
    const s = await downloadFiles({ files: [file()], partsPerFile: 4, partMinBytes: PART_MIN, retry: FAST_RETRY });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
    expect(s.files[0]!.hashes).toEqual({ md5: md5(A), sha256: createHash("sha256").update(A).digest("hex") });
    const r = ranges();
    expect(r).toHaveLength(4);
    expect(r[0]![0]).toBe(0);
    for (let i = 1; i < r.length; i++) expect(r[i]![0]).toBe(r[i - 1]![1] + 1);
    expect(r.at(-1)![1]).toBe(A.length - 1);
    expect(existsSync(join(dir, "big.pth.llamagate-parts.json"))).toBe(false);
  });

  it("never splits files that do not allow parts (frugal sources)", async () => {
    await downloadFiles({ files: [file({ allowParts: false })], partsPerFile: 4, partMinBytes: PART_MIN, retry: FAST_RETRY });
    expect(server.requestsFor("/big.pth").map((e) => e.range)).toEqual([undefined]);
  });

  it("retries only the part whose connection dropped, from where it stopped", async () => {
    server.addFault("/big.pth", { kind: "drop", afterBytes: 300_000 });
    const s = await downloadFiles({ files: [file()], partsPerFile: 2, partMinBytes: PART_MIN, retry: FAST_RETRY });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
    const gets = server.requestsFor("/big.pth");
    expect(gets).toHaveLength(3);
    expect(s.files[0]!.retries).toBe(1);
    // Every byte crossed the wire once, plus nothing: the retry continued the dropped part.
    expect(gets.reduce((n, e) => n + e.bytesSent, 0)).toBe(A.length);
  });

  it("falls back to one stream when the server ignores Range", async () => {
    server.addFault("/big.pth", { kind: "ignore-range" }, 4);
    await downloadFiles({ files: [file()], partsPerFile: 4, partMinBytes: PART_MIN, retry: FAST_RETRY });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
  });

  it("keeps per-part state on abort; a rerun (with or without parts) resumes and verifies", async () => {
    server.addFault("/big.pth", { kind: "stall", afterBytes: 1_100_000 }, 2);
    const ac = new AbortController();
    let error: unknown;
    try {
      for await (const e of downloadFilesIter({ files: [file()], partsPerFile: 2, partMinBytes: PART_MIN, retry: FAST_RETRY, signal: ac.signal, progressIntervalMs: 0 })) {
        if (e.type === "file-progress" && e.bytesDone >= 2_000_000) ac.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ category: "interrupted" });
    const state = JSON.parse(await readFile(join(dir, "big.pth.llamagate-parts.json"), "utf8"));
    expect(state.parts).toHaveLength(2);
    expect(state.parts.every((p: { done: number }) => p.done >= 1_000_000)).toBe(true);

    server.clearLog();
    const s = await downloadFiles({ files: [file()], partsPerFile: 2, partMinBytes: PART_MIN, retry: FAST_RETRY });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
    const r = ranges();
    expect(r).toHaveLength(2);
    expect(r[0]![0]).toBe(state.parts[0].done);
    expect(r[1]![0]).toBe(state.parts[1].start + state.parts[1].done);
    expect(s.files[0]!.bytesReused).toBe(state.parts[0].done + state.parts[1].done);
  });

  it("a single-stream rerun keeps only the contiguous prefix of a multi-part partial", async () => {
    server.addFault("/big.pth", { kind: "stall", afterBytes: 1_100_000 }, 2);
    const ac = new AbortController();
    await expect(
      (async () => {
        for await (const e of downloadFilesIter({ files: [file()], partsPerFile: 2, partMinBytes: PART_MIN, retry: FAST_RETRY, signal: ac.signal, progressIntervalMs: 0 })) {
          if (e.type === "file-progress" && e.bytesDone >= 2_000_000) ac.abort();
        }
      })(),
    ).rejects.toMatchObject({ category: "interrupted" });
    const state = JSON.parse(await readFile(join(dir, "big.pth.llamagate-parts.json"), "utf8"));
    server.clearLog();
    await downloadFiles({ files: [file()], retry: FAST_RETRY });
    expect(md5(await readFile(join(dir, "big.pth")))).toBe(md5(A));
    expect(server.requestsFor("/big.pth").map((e) => e.range)).toEqual([`bytes=${state.parts[0].done}-`]);
  });
});
