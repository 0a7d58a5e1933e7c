/**
 * The end of a run with one connection per file (issue 20 item 4): a connection with no file left to start takes
 * over the rest of the in-flight file with the most bytes left (one more Range request), when the file allows extra
 * requests; the biggest files start first. Checked on the server's request log, never on timings.
 */
import { createHash, randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadFiles } from "../../src/download/download-files.js";
import type { TransferFile } from "../../src/download/types.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const MiB = 1 << 20;
const BIG = randomBytes(16 * MiB);
const SMALL = randomBytes(MiB);
const FAST_RETRY = { attempts: 4, baseMs: 5, maxMs: 20 };

let server: RangeServer;
let dir: string;
/** The first GET of /slow.bin trickles; what it was asked and how much it sent before the client left. */
let slow: { start: number; end: number; sent: number; closedEarly: boolean } | undefined;

beforeAll(async () => {
  server = await startRangeServer({
    files: { "/small.bin": SMALL, "/mid.bin": SMALL.subarray(0, MiB / 2), "/big.bin": BIG },
    chunkSize: 64 << 10,
    handle: (req, res, url) => {
      if (url.pathname !== "/slow.bin" || req.method !== "GET" || slow) return false;
      const m = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ""));
      const start = m ? Number(m[1]) : 0;
      const end = m?.[2] ? Number(m[2]) + 1 : BIG.length;
      slow = { start, end, sent: 0, closedEarly: false };
      trickle(res, start, end, slow, m !== null);
      return true;
    },
  });
  server.setFile("/slow.bin", BIG);
});
afterAll(() => server.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "lg-tail-"));
  server.clearLog();
  server.clearFaults();
  slow = undefined;
  return () => rm(dir, { recursive: true, force: true });
});

/** 64 KiB every 10 ms (about 6.5 MB/s): the 16 MiB file alone would take ~2.6 s on its one connection. */
function trickle(res: ServerResponse, start: number, end: number, rec: NonNullable<typeof slow>, ranged: boolean) {
  res.writeHead(ranged ? 206 : 200, {
    ...(ranged ? { "content-range": `bytes ${start}-${end - 1}/${BIG.length}` } : {}),
    "content-length": String(end - start),
    "content-type": "application/octet-stream",
  });
  let at = start;
  let timer: NodeJS.Timeout | undefined;
  res.on("close", () => {
    clearTimeout(timer);
    rec.closedEarly = at < end;
  });
  const step = () => {
    if (res.destroyed) return;
    const n = Math.min(64 << 10, end - at);
    res.write(BIG.subarray(at, at + n));
    at += n;
    rec.sent = at - start;
    if (at >= end) res.end();
    else timer = setTimeout(step, 10);
  };
  step();
}

const file = (name: string, data: Buffer, extra: Partial<TransferFile> = {}): TransferFile => ({
  url: `${server.origin}/${name}`,
  destPath: join(dir, name),
  displayName: name,
  expectedSize: data.length,
  expectedHash: { algorithm: "md5", hex: md5(data) },
  ...extra,
});

describe("transfer engine: the end of a run with one connection per file", () => {
  it("an idle connection takes over the second half of the slowest file; every byte comes once", async () => {
    const s = await downloadFiles({
      files: [file("slow.bin", BIG), file("small.bin", SMALL)],
      concurrency: 2,
      retry: FAST_RETRY,
    });
    expect(md5(await readFile(join(dir, "slow.bin")))).toBe(md5(BIG));
    expect(s.files.every((f) => f.verified)).toBe(true);
    // One request for the whole file first (a single stream)...
    const gets = server.requestsFor("/slow.bin");
    expect(gets[0]!.range).toBe(`bytes=0-${BIG.length - 1}`);
    // ...then the idle connection asked for a tail of it, up to its last byte.
    const tails = gets.slice(1).map((e) => /^bytes=(\d+)-(\d+)$/.exec(e.range ?? "")!.map(Number));
    expect(tails.length).toBeGreaterThanOrEqual(1);
    expect(tails.some(([, a, b]) => a! > 0 && b === BIG.length - 1)).toBe(true);
    // The slow response stopped early, and nothing was fetched twice.
    expect(slow!.closedEarly).toBe(true);
    expect(s.files.find((f) => f.name === "slow.bin")!.bytesTransferred).toBe(BIG.length);
  });

  it("a file that does not allow extra requests (a Meta link) keeps its one request", async () => {
    await downloadFiles({
      files: [file("slow.bin", BIG, { allowParts: false }), file("small.bin", SMALL)],
      concurrency: 2,
      retry: FAST_RETRY,
    });
    expect(md5(await readFile(join(dir, "slow.bin")))).toBe(md5(BIG));
    const gets = server.requestsFor("/slow.bin");
    expect(gets).toHaveLength(1);
    expect(gets[0]!.range).toBeUndefined();
    expect(slow!.closedEarly).toBe(false);
  });

  it("a server that ignores Range serves such a file with its one request (no second GET)", async () => {
    server.addFault("/big.bin", { kind: "ignore-range" });
    await downloadFiles({
      files: [file("big.bin", BIG), file("small.bin", SMALL)],
      concurrency: 2,
      retry: FAST_RETRY,
    });
    expect(md5(await readFile(join(dir, "big.bin")))).toBe(md5(BIG));
    expect(server.requestsFor("/big.bin")).toHaveLength(1);
  });

  it("starts the biggest files first", async () => {
    await downloadFiles({
      files: [file("small.bin", SMALL), file("mid.bin", SMALL.subarray(0, MiB / 2)), file("big.bin", BIG)],
      concurrency: 1,
      retry: FAST_RETRY,
    });
    expect(server.log.filter((e) => e.method === "GET").map((e) => e.path)).toEqual([
      "/big.bin",
      "/small.bin",
      "/mid.bin",
    ]);
  });
});
