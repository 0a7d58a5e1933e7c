import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../../../src/catalog/find-model.js";
import { downloadMetaIter, type MetaDownloadEvent } from "../../../src/sources/meta/download-meta.js";
import { startMetaCdn, type MetaCdn } from "../../helpers/meta-cdn-server.js";

const SHARDS = Array.from({ length: 8 }, (_, i) => `llama-2-70b/consolidated.0${i}.pth`);

/**
 * How many shards had started when the first shard was retried. Every shard sends 1000 bytes, then holds its
 * connection until `holding` shards are held at once (a gate from the CDN, not a timer) and closes it (the engine
 * resumes). A backstop releases the holds should fewer ever be held (only a broken concurrency gets there; the
 * assertion then fails).
 */
async function shardsStartedBeforeFirstRetry(
  cdn: MetaCdn,
  dir: string,
  holding: number,
  concurrency?: number,
): Promise<number> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const backstop = setTimeout(release, 30_000);
  let held = 0;
  const onStall = () => {
    if (++held === holding) release();
  };
  for (const s of SHARDS) cdn.fault(s, { kind: "stall", afterBytes: 1000, until: released, onStall });
  const started = new Set<string>();
  let atFirstRetry: number | undefined;
  const it = downloadMetaIter({
    url: cdn.url(),
    models: [findModel({ name: "llama-2-70b" })],
    dir,
    spaceCheck: false,
    retry: { attempts: 4, baseMs: 5, maxMs: 20 },
    ...(concurrency ? { concurrency } : {}),
  });
  try {
    for await (const e of it as AsyncIterable<MetaDownloadEvent>) {
      if (e.type === "file-start" && SHARDS.includes(e.name)) started.add(e.name);
      if (e.type === "file-retry" && atFirstRetry === undefined) atFirstRetry = started.size;
    }
  } finally {
    clearTimeout(backstop);
  }
  return atFirstRetry ?? -1;
}

describe("downloadMeta: default concurrency", () => {
  let cdn: MetaCdn;
  let dir: string;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-70b"], shardBytes: 20_000 });
    dir = await mkdtemp(join(tmpdir(), "llamagate-meta-conc-"));
  });
  afterAll(async () => {
    await cdn.close();
    await rm(dir, { recursive: true, force: true });
  });

  // The holds end only once all 8 shards are held at once, however loaded the machine.
  it("fetches every file of the release at once by default (one connection per file, up to 8)", async () => {
    const from = cdn.cdn.requests.length; // this test's requests only (the tests share the CDN, in any order)
    expect(await shardsStartedBeforeFirstRetry(cdn, join(dir, "default"), 8)).toBe(8);
    // Still one GET per shard, plus one ranged continuation after each held connection.
    const gets = cdn.cdn.requests.slice(from).filter((q) => q.method === "GET");
    for (const s of SHARDS) expect(gets.filter((q) => q.path === s)).toHaveLength(2);
  });

  it("--concurrency still decides when set", async () => {
    expect(await shardsStartedBeforeFirstRetry(cdn, join(dir, "four"), 4, 4)).toBeLessThanOrEqual(4);
  });
});
