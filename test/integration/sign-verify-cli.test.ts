/**
 * `llamagate sign` and `llamagate verify --signature` through the built CLI: a signed model verifies (exit 0), a
 * changed, a missing and an added file are each named with exit 6 (and one JSON entry per file), another key is
 * refused, and the reference implementation's certificate-signed model verifies with its root CA.
 */
import { generateKeyPairSync } from "node:crypto";
import { appendFile, cp, mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

const KEYS = fileURLToPath(new URL("../fixtures/oms/keys/certificate/", import.meta.url));
let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-sign-cli-"));
  return () => rm(work, { recursive: true, force: true });
});

it("sign, verify, then tamper: each changed, missing and added file is named with exit 6", async () => {
  const dir = join(work, "llama-2-7b");
  await mkdir(dir);
  await writeFile(join(dir, "consolidated.00.pth"), Buffer.alloc(50_000, 3));
  await writeFile(join(dir, "params.json"), "{}");
  await writeFile(join(dir, "tokenizer.model"), "tok");
  const signed = await runCli(["sign", dir, "--private-key", join(KEYS, "signing-key.pem"), "--json"]);
  expect(signed.code, signed.stderr).toBe(0);
  expect(JSON.parse(signed.stdout)).toMatchObject({ method: "key", signaturePath: join(dir, "model.sig") });

  const verify = (extra: string[] = []) =>
    runCli(["verify", dir, "--public-key", join(KEYS, "signing-key-pub.pem"), ...extra]);
  const ok = await verify();
  expect(ok.code, ok.stderr).toBe(0);
  expect(ok.stdout).toContain("params.json: OK");

  await appendFile(join(dir, "params.json"), " ");
  await unlink(join(dir, "tokenizer.model"));
  await writeFile(join(dir, "extra.bin"), "x");
  const bad = await verify();
  expect(bad.code).toBe(6);
  expect(bad.stdout).toContain("params.json: CHANGED");
  expect(bad.stdout).toContain("tokenizer.model: MISSING");
  expect(bad.stdout).toContain("extra.bin: ADDED");
  const json = JSON.parse((await verify(["--json"])).stdout);
  expectDocumentedShape(json, "verify (signature)", ["error"]);
  expect(json.ok).toBe(false);
  expect(json.error.code).toBe("SIGNED_FILES_DIFFER");
  expect(json.files.map((f: { name: string; status: string }) => `${f.name}=${f.status}`)).toEqual([
    "consolidated.00.pth=ok",
    "extra.bin=added",
    "params.json=changed",
    "tokenizer.model=missing",
  ]);

  const other = join(work, "other.pem");
  await writeFile(
    other,
    generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }),
  );
  const wrong = await runCli(["verify", dir, "--public-key", other, "--json"]);
  expect(wrong.code).toBe(6);
  expect(JSON.parse(wrong.stdout).error.code).toBe("SIGNATURE_INVALID");
  const noKey = await runCli(["verify", dir, "--signature", join(dir, "model.sig")]);
  expect(noKey.code).toBe(2);
  expect(noKey.stderr).toContain("--public-key");
});

it("the reference implementation's certificate-signed model verifies with its root CA through the CLI", async () => {
  const dir = join(work, "v1.1.0-certificate");
  await cp(fileURLToPath(new URL("../fixtures/oms/v1.1.0-certificate/", import.meta.url)), dir, { recursive: true });
  const r = await runCli(["verify", dir, "--certificate-chain", join(KEYS, "ca-cert.pem")]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain("Signature valid (certificate method)");
});
