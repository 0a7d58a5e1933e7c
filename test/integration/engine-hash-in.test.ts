/**
 * Where the engine hashes arriving bytes (issue 20 item 2): in the receiving thread (the received batches, no read
 * back) or in the hashing workers (ranges read back from the partial file). Both give the same digests, over
 * resumed bytes too, and a file that does not match is still caught.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { partialPathFor } from "../../src/download/claim-partial.js";
import { downloadFiles } from "../../src/download/download-files.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

const hex = (alg: string, b: Buffer) => createHash(alg).update(b).digest("hex");
const A = randomBytes(3 << 20);
const B = randomBytes((1 << 20) + 123);
let server: RangeServer;
let dir: string;
beforeAll(async () => {
  server = await startRangeServer({ files: { "/a.bin": A, "/b.bin": B }, chunkSize: 64 << 10 });
});
afterAll(() => server.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "lg-hash-in-"));
  server.clearLog();
  server.clearFaults();
  return () => rm(dir, { recursive: true, force: true });
});

const files = () => [
  {
    url: `${server.origin}/a.bin`,
    destPath: join(dir, "a.bin"),
    displayName: "a.bin",
    expectedSize: A.length,
    expectedHash: { algorithm: "md5" as const, hex: hex("md5", A) },
    hashWhileArriving: ["sha256" as const],
  },
  {
    url: `${server.origin}/b.bin`,
    destPath: join(dir, "b.bin"),
    displayName: "b.bin",
    expectedSize: B.length,
    expectedHash: { algorithm: "md5" as const, hex: hex("md5", B) },
    hashWhileArriving: ["sha256" as const],
  },
];

describe.each(["receiver", "workers"] as const)("hashIn %s", (hashIn) => {
  it("verifies md5 and computes sha256 while the bytes arrive, resumed bytes included", async () => {
    // An earlier run left the first MiB of a.bin.
    await writeFile(partialPathFor(join(dir, "a.bin")), A.subarray(0, 1 << 20));
    const s = await downloadFiles({ files: files(), concurrency: 2, hashIn });
    const a = s.files.find((f) => f.name === "a.bin")!;
    expect(a.bytesReused).toBe(1 << 20);
    expect(a.hashes).toEqual({ md5: hex("md5", A), sha256: hex("sha256", A) });
    expect(s.files.find((f) => f.name === "b.bin")!.hashes.sha256).toBe(hex("sha256", B));
    expect(server.requestsFor("/a.bin")[0]!.range).toBe(`bytes=${1 << 20}-`);
    expect(Buffer.compare(await readFile(join(dir, "a.bin")), A)).toBe(0);
  });

  it("with parts (pieces out of order): the prefix is hashed as it grows, and the digests are right", async () => {
    const s = await downloadFiles({ files: files(), concurrency: 1, partsPerFile: 3, partMinBytes: 1 << 20, hashIn });
    expect(s.files.find((f) => f.name === "a.bin")!.hashes).toEqual({ md5: hex("md5", A), sha256: hex("sha256", A) });
    expect(server.requestsFor("/a.bin").length).toBeGreaterThan(1); // really in pieces
  });

  it("a body that arrives corrupted is caught, moved aside and fetched again", async () => {
    server.addFault("/b.bin", { kind: "corrupt", at: 1000 });
    const s = await downloadFiles({ files: files(), concurrency: 2, hashIn });
    expect(s.files.every((f) => f.verified)).toBe(true);
    expect(server.requestsFor("/b.bin")).toHaveLength(2);
  });
});
