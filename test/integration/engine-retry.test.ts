import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadFilesIter } from "../../src/download/download-files.js";
import type { DownloadEvent, TransferFile } from "../../src/download/types.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const FAST_RETRY = { attempts: 4, baseMs: 5, maxMs: 20, maxRetryAfterMs: 120_000 };
const B = randomBytes(700_001);

let server: RangeServer;
let dir: string;
beforeAll(async () => {
  server = await startRangeServer({ files: { "/b.pth": B }, chunkSize: 16 << 10 });
});
afterAll(() => server.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "llamagate-retry-"));
  server.clearLog();
  server.clearFaults();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const file = (extra: Partial<TransferFile> = {}): TransferFile => ({
  url: `${server.origin}/b.pth`,
  destPath: join(dir, "b.pth"),
  displayName: "b.pth",
  expectedSize: B.length,
  expectedHash: { algorithm: "md5", hex: md5(B) },
  ...extra,
});

async function collect(params: Parameters<typeof downloadFilesIter>[0], onEvent?: (e: DownloadEvent) => void) {
  const events: DownloadEvent[] = [];
  try {
    for await (const e of downloadFilesIter(params)) {
      events.push(e);
      onEvent?.(e);
    }
    return { events, error: undefined as unknown };
  } catch (error) {
    return { events, error };
  }
}

// Every case on both receive paths: undici's (the default below 8 MiB) and the raw one (rawBodyMinBytes 0).
describe.each([
  ["undici", {}],
  ["the raw receive path", { rawBodyMinBytes: 0 }],
])("transfer engine: the one retry loop (%s)", (_path, via) => {
  it("honours a Retry-After given as an HTTP-date", async () => {
    const at = new Date(Date.now() + 2000).toUTCString(); // whole seconds: 1..2 s from now
    server.addFault("/b.pth", { kind: "status", status: 503, headers: { "retry-after": at } });
    const { events, error } = await collect({ ...via, files: [file()], retry: FAST_RETRY });
    expect(error).toBeUndefined();
    const retry = events.find((e) => e.type === "file-retry") as Extract<DownloadEvent, { type: "file-retry" }>;
    expect(retry.reason).toBe("HTTP 503");
    expect(retry.waitMs).toBeGreaterThan(500); // not the 5..20 ms backoff
    expect(retry.waitMs).toBeLessThanOrEqual(2000);
    expect(md5(await readFile(join(dir, "b.pth")))).toBe(md5(B));
  });

  it("an abort during a long Retry-After wait ends the download at once (INTERRUPTED)", async () => {
    server.addFault("/b.pth", { kind: "status", status: 429, headers: { "retry-after": "60" } });
    const ac = new AbortController();
    const t0 = performance.now();
    const { events, error } = await collect({ ...via, files: [file()], retry: FAST_RETRY, signal: ac.signal }, (e) => {
      if (e.type === "file-retry") setTimeout(() => ac.abort(), 20);
    });
    expect(error).toMatchObject({ category: "interrupted" });
    expect(events.find((e) => e.type === "file-retry")).toMatchObject({ waitMs: 60_000 });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(server.requestsFor("/b.pth")).toHaveLength(1);
  });

  it("a single stream reports the real sizes when the server sends more than it announced", async () => {
    server.addFault("/b.pth", { kind: "overlong", extra: 5000 });
    const { error } = await collect({ ...via, files: [file()], retry: FAST_RETRY });
    expect(error).toMatchObject({ code: "SIZE_MISMATCH", details: { expected: B.length, sentAtLeast: true } });
    const actual = (error as { details: { actual: number } }).details.actual;
    expect(actual).toBeGreaterThan(B.length);
    expect(actual).toBeLessThanOrEqual(B.length + 5000);
  });
});
