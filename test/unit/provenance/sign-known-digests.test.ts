/**
 * signModel's knownDigests: a digest measured earlier (a download's verification sidecar) is used instead of reading
 * the file, but only while the file's size and mtime (and inode, when given) are those it was measured at. The file
 * here holds other bytes than the known digest says, so the signature shows which one was used.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, expect, it } from "vitest";
import type { KnownDigest } from "../../../src/provenance/oms/hash-model-for-signing.js";
import { signModel } from "../../../src/provenance/oms/sign-model.js";

const KEY = fileURLToPath(new URL("../../fixtures/oms/keys/certificate/signing-key.pem", import.meta.url));
const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");
let dir: string;
beforeEach(async () => {
  const work = await mkdtemp(join(tmpdir(), "llamagate-known-"));
  dir = join(work, "model");
  await mkdir(dir);
  await writeFile(join(dir, "weights.bin"), "real bytes");
  await writeFile(join(dir, "params.json"), "{}");
  return () => rm(work, { recursive: true, force: true });
});

async function sign(known: (st: { size: number; mtimeMs: number; ino: number }) => KnownDigest) {
  const st = await stat(join(dir, "weights.bin"));
  const asked: string[] = [];
  const r = await signModel({
    path: dir,
    privateKeyPem: await readFile(KEY),
    knownDigests: (abs) => {
      asked.push(abs);
      return abs === join(dir, "weights.bin") ? known(st) : undefined;
    },
  });
  return { r, asked, digest: r.files.find((f) => f.name === "weights.bin")!.sha256 };
}

const recorded = sha("the bytes the download verified");

it("uses the known digest without reading the file while size and mtime match", async () => {
  const { r, asked, digest } = await sign((st) => ({
    sha256: recorded,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ino: st.ino,
  }));
  expect(digest).toBe(recorded);
  expect(r.hashed).toBe(1); // params.json only
  expect(asked.sort()).toEqual([join(dir, "params.json"), join(dir, "weights.bin")]);
  // The signature itself carries it.
  const bundle = JSON.parse(await readFile(r.signaturePath, "utf8"));
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
  expect(statement.predicate.resources).toContainEqual({ name: "weights.bin", algorithm: "sha256", digest: recorded });
});

it.each([
  [
    "another size",
    (st: { size: number; mtimeMs: number }) => ({ sha256: recorded, size: st.size + 1, mtimeMs: st.mtimeMs }),
  ],
  [
    "another mtime",
    (st: { size: number; mtimeMs: number }) => ({ sha256: recorded, size: st.size, mtimeMs: st.mtimeMs - 1000 }),
  ],
  [
    "another inode",
    (st: { size: number; mtimeMs: number; ino: number }) => ({
      sha256: recorded,
      size: st.size,
      mtimeMs: st.mtimeMs,
      ino: st.ino + 1,
    }),
  ],
  ["not a sha256", (st: { size: number; mtimeMs: number }) => ({ sha256: "abc", size: st.size, mtimeMs: st.mtimeMs })],
])("hashes the file when the known digest describes %s", async (_what, known) => {
  const { r, digest } = await sign(known);
  expect(digest).toBe(sha("real bytes"));
  expect(r.hashed).toBe(2);
});

it("a file changed after its digest was recorded (mtime moved) is hashed again", async () => {
  const before = await stat(join(dir, "weights.bin"));
  await writeFile(join(dir, "weights.bin"), "real bytez");
  await utimes(join(dir, "weights.bin"), new Date(), new Date(before.mtimeMs + 5000));
  const { digest } = await sign(() => ({ sha256: recorded, size: before.size, mtimeMs: before.mtimeMs }));
  expect(digest).toBe(sha("real bytez"));
});
