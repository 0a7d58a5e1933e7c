/**
 * Signed bundles: `pack` carries model.sig as a file and, with --bom, a CycloneDX BOM in the bundle manifest;
 * `unpack --public-key` verifies the signature over the extracted files before any is placed: another key, a
 * file changed after signing, or no signature at all leave the destination without the model.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, expect, it } from "vitest";
import { runMain } from "../helpers/run-main.js";

const KEYS = fileURLToPath(new URL("../fixtures/oms/keys/certificate/", import.meta.url));
const PUB = join(KEYS, "signing-key-pub.pem");
let work: string;
let model: string;
let env: Record<string, string>;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-bundle-signed-"));
  env = { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state") };
  model = join(work, "tiny");
  await mkdir(join(model, "sub"), { recursive: true });
  await writeFile(join(model, "model.safetensors"), Buffer.alloc(40_000, 5));
  await writeFile(join(model, "config.json"), "{}\n");
  await writeFile(join(model, "sub", "tokenizer.json"), "{}\n");
  return () => rm(work, { recursive: true, force: true });
});

// The CLI in this process: no Node start-up per run (what is checked is the output and the files).
const cli = (args: string[]) => runMain(args, { env });
const pack = async (extra: string[] = []) => {
  const bundle = join(work, "b.tar");
  const r = await cli(["pack", model, "-o", bundle, "--license-family", "none", "--force", ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return bundle;
};
const sign = async () => {
  const r = await cli(["sign", model, "--private-key", join(KEYS, "signing-key.pem")]);
  expect(r.code, r.stderr).toBe(0);
};
const modelFiles = async (dir: string) =>
  (await readdir(dir, { recursive: true }).catch(() => [] as string[])).filter((n) => !n.startsWith(".")).sort();

it("pack --bom carries the signature and the BOM; unpack --public-key verifies before placing the files", async () => {
  await sign();
  const bundle = await pack(["--bom"]);
  const manifest = JSON.parse(execFileSync("tar", ["-xOf", bundle, "llamagate-bundle.json"], { encoding: "utf8" }));
  expect(manifest.files.map((f: { path: string }) => f.path)).toContain("model.sig");
  expect(manifest.bom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });

  const dest = join(work, "out");
  const r = await cli(["unpack", bundle, "--dir", dest, "--public-key", PUB, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ signatureVerified: true, bom: true });
  expect(await modelFiles(dest)).toEqual([
    "config.json",
    "model.safetensors",
    "model.sig",
    "sub",
    "sub/tokenizer.json",
  ]);
});

it("another key, a file changed after signing, or no signature: refused, and nothing of the model is placed", async () => {
  await sign();
  const other = join(work, "other.pem");
  await writeFile(
    other,
    generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }),
  );
  const bundle = await pack();
  const wrongKey = await cli(["unpack", bundle, "--dir", join(work, "a"), "--public-key", other, "--json"]);
  expect(wrongKey.code, wrongKey.stderr).toBe(6);
  expect(JSON.parse(wrongKey.stdout).error.code).toBe("SIGNATURE_INVALID");
  expect(await modelFiles(join(work, "a"))).toEqual([]);

  await writeFile(join(model, "config.json"), '{"changed":true}\n');
  const changed = await cli(["unpack", await pack(), "--dir", join(work, "b"), "--public-key", PUB, "--json"]);
  expect(changed.code, changed.stderr).toBe(6);
  const err = JSON.parse(changed.stdout).error;
  expect(err.code).toBe("SIGNATURE_MISMATCH");
  expect(err.message).toContain("config.json (changed)");
  expect(await modelFiles(join(work, "b"))).toEqual([]);

  await rm(join(model, "model.sig"));
  const unsigned = await cli(["unpack", await pack(), "--dir", join(work, "c"), "--public-key", PUB, "--json"]);
  expect(unsigned.code, unsigned.stderr).toBe(5);
  expect(JSON.parse(unsigned.stdout).error.code).toBe("SIGNATURE_NOT_ATTACHED");
  expect(await modelFiles(join(work, "c"))).toEqual([]);
});
