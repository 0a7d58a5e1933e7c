/**
 * --limit-rate in the transfer engine: one token bucket shared by every connection (files and parts alike), and
 * by a whole Hub download through its source. The bucket's own accounting is checked (bytes granted, time on an
 * injected clock), never wall-clock timings.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadFiles } from "../../src/download/download-files.js";
import { createRateLimiter } from "../../src/download/create-rate-limiter.js";
import { downloadHf } from "../../src/sources/hf/download-hf.js";
import { exampleHub, PUBLIC_REPO } from "../helpers/hub-fixtures.js";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const BIG = randomBytes(4 << 20);
const SMALL = randomBytes(300_000);
const RATE = 2 << 20;

/** A clock that moves only when the bucket makes a taker wait (so the test runs at full speed). */
function fakeClock() {
  const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
  return c;
}

let server: RangeServer;
let hub: HubServer;
let dir: string;
beforeAll(async () => {
  server = await startRangeServer({ files: { "/big.bin": BIG, "/small.bin": SMALL }, chunkSize: 64 << 10 });
  hub = await startHubServer(exampleHub());
  dir = await mkdtemp(join(tmpdir(), "lg-rate-"));
});
afterAll(async () => {
  await Promise.all([server.close(), hub.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe("--limit-rate: one bucket for every connection of a run", () => {
  it("a 4 MiB file in 4 parts and a second file: every byte goes through the one bucket, at 2 MiB/s of its clock", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ bytesPerSecond: RATE, now: clock.now, sleep: clock.sleep });
    const files = [
      { path: "/big.bin", data: BIG },
      { path: "/small.bin", data: SMALL },
    ].map(({ path, data }) => ({
      url: `${server.origin}${path}`,
      destPath: join(dir, "engine", path.slice(1)),
      displayName: path.slice(1),
      expectedSize: data.length,
      expectedHash: { algorithm: "md5" as const, hex: md5(data) },
    }));
    const summary = await downloadFiles({
      files,
      concurrency: 2,
      partsPerFile: 4,
      partMinBytes: 1 << 20,
      rateLimiter: limiter,
    });
    expect(summary.files).toHaveLength(2);
    expect(md5(await readFile(files[0]!.destPath))).toBe(md5(BIG));
    const total = BIG.length + SMALL.length;
    expect(limiter.granted).toBe(total);
    // All but the first burst (a quarter second's worth) waited for the cap.
    expect(clock.t).toBeGreaterThanOrEqual(((total - RATE / 4) / RATE) * 1000 - 1);
  });

  it("a Hub download passes the run's bucket to the engine (engine options of the source)", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ bytesPerSecond: 100 << 10, now: clock.now, sleep: clock.sleep });
    const summary = await downloadHf({
      repoId: PUBLIC_REPO,
      endpoint: hub.endpoint,
      cacheDir: join(dir, "hf"),
      include: ["model.safetensors", "config.json"],
      rateLimiter: limiter,
    });
    expect(summary.bytesTransferred).toBeGreaterThan(300_000);
    expect(limiter.granted).toBe(summary.bytesTransferred);
    expect(clock.t).toBeGreaterThan(0);
  });
});
