/**
 * The end of a multi-connection transfer: when one piece is slow and the other connections have nothing left,
 * an idle connection takes over the second half of the slow piece, and the slow connection stops at the split.
 * Checked on the server's request log and the bytes the slow response got to send, never on timings.
 */
import { createHash, randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadFiles } from "../../src/download/download-files.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const MiB = 1 << 20;
const BIG = randomBytes(8 * MiB);
const FAST_RETRY = { attempts: 4, baseMs: 5, maxMs: 20 };

let server: RangeServer;
let dir: string;
/** The one slow response of /slow.bin: the range it was asked and how many bytes it sent before the client left. */
let slow: { start: number; end: number; sent: number; closedEarly: boolean } | undefined;

beforeAll(async () => {
  server = await startRangeServer({
    files: { "/big.bin": BIG },
    chunkSize: 64 << 10,
    // The first GET of /slow.bin trickles (64 KiB every 40 ms); every other request is served at full speed.
    handle: (req, res, url) => {
      if (url.pathname !== "/slow.bin" || req.method !== "GET" || slow) return false;
      const m = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ""));
      if (!m) return false;
      const start = Number(m[1]);
      const end = Number(m[2]) + 1;
      slow = { start, end, sent: 0, closedEarly: false };
      trickle(res, start, end, slow);
      return true;
    },
  });
  server.setFile("/slow.bin", BIG);
});
afterAll(() => server.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "lg-split-"));
  server.clearLog();
  server.clearFaults();
  return () => rm(dir, { recursive: true, force: true });
});

function trickle(res: ServerResponse, start: number, end: number, rec: NonNullable<typeof slow>) {
  res.writeHead(206, {
    "content-range": `bytes ${start}-${end - 1}/${BIG.length}`,
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
    else timer = setTimeout(step, 40);
  };
  step();
}

const rangesOf = (path: string) =>
  server.requestsFor(path).map((e) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(e.range ?? "")!;
    return [Number(m[1]), Number(m[2]) + 1] as const;
  });

describe("transfer engine: the tail of a slow piece is split across idle connections", () => {
  it("a stalled piece: the idle connection fetches its second half while it waits, and the file verifies", async () => {
    // Two 4 MiB pieces on two connections; the first request stalls after 256 KiB.
    server.addFault("/big.bin", { kind: "stall", afterBytes: 256 << 10 });
    const s = await downloadFiles({
      files: [
        {
          url: `${server.origin}/big.bin`,
          destPath: join(dir, "big.bin"),
          displayName: "big.bin",
          expectedSize: BIG.length,
          expectedHash: { algorithm: "md5", hex: md5(BIG) },
        },
      ],
      partsPerFile: 2,
      partMinBytes: 4 * MiB,
      stallTimeoutMs: 3000,
      retry: FAST_RETRY,
    });
    expect(md5(await readFile(join(dir, "big.bin")))).toBe(md5(BIG));
    expect(s.files[0]!.bytesTransferred).toBe(BIG.length);
    const log = server.requestsFor("/big.bin");
    const stalled = log.find((e) => e.fault === "stall")!;
    const from = Number(/^bytes=(\d+)-/.exec(stalled.range!)![1]);
    const ranges = rangesOf("/big.bin");
    // The idle connection took the stalled piece's second half...
    expect(ranges).toContainEqual([from + 2 * MiB, from + 4 * MiB]);
    // ...and the stalled piece's retry asked only for its first half, from where it stopped.
    expect(ranges).toContainEqual([from + (256 << 10), from + 2 * MiB]);
  });

  it("a slow piece: the slow connection stops at the split instead of sending the whole piece", async () => {
    slow = undefined;
    const s = await downloadFiles({
      files: [
        {
          url: `${server.origin}/slow.bin`,
          destPath: join(dir, "slow.bin"),
          displayName: "slow.bin",
          expectedSize: BIG.length,
          expectedHash: { algorithm: "md5", hex: md5(BIG) },
        },
      ],
      partsPerFile: 2,
      partMinBytes: 4 * MiB,
      retry: FAST_RETRY,
    });
    expect(md5(await readFile(join(dir, "slow.bin")))).toBe(md5(BIG));
    // Every byte was transferred once: the two halves of the slow piece do not overlap.
    expect(s.files[0]!.bytesTransferred).toBe(BIG.length);
    expect(slow).toBeDefined();
    expect(rangesOf("/slow.bin").some(([a, b]) => a > slow!.start && a < slow!.end && b === slow!.end)).toBe(true);
    expect(slow!.closedEarly).toBe(true);
    expect(slow!.sent).toBeLessThan(slow!.end - slow!.start);
  });
});
