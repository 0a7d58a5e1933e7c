/**
 * Keyless (Sigstore) signatures through the CLI (the refused roots through the built one), offline: the models
 * sigstore/model-transparency publishes signed with a Fulcio certificate and Rekor entries verify against the
 * public-good trusted root with the signer's identity and issuer; another identity, another trusted root, a tampered
 * file or a tampered signature are refused.
 */
import { cp, mkdtemp, readFile, rm, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

const FIX = fileURLToPath(new URL("../fixtures/oms/", import.meta.url));
const ROOT = join(FIX, "sigstore", "trusted_root.json");
const IDENTITY = ["--identity", "stefanb@us.ibm.com", "--issuer", "https://sigstore.verify.ibm.com/oauth2"];

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-keyless-"));
  return () => rm(work, { recursive: true, force: true });
});

async function copyOf(name: string): Promise<string> {
  const d = join(work, name);
  await cp(join(FIX, name), d, { recursive: true });
  return d;
}
// In this process (no Node start-up per run); the refused roots below keep the built CLI.
const verify = (dir: string, extra: string[]) =>
  runMain(["verify", dir, "--trusted-root", ROOT, ...extra], {
    env: { LLAMAGATE_DATA_DIR: process.env.LLAMAGATE_DATA_DIR! },
  });

// Every keyless model the reference publishes, verified as its scripts/tests/test-verify-*-sigstore.sh do.
it.each([
  ["v0.3.1-sigstore", []],
  ["v1.0.0-sigstore", []],
  ["v1.0.1-sigstore", ["ignore-me"]],
  ["v1.1.0-sigstore", ["ignore-me"]],
])("%s verifies with the signer's identity and issuer (exit 0)", async (name, ignored) => {
  const dir = await copyOf(name);
  const ignore = ignored.flatMap((f) => ["--ignore-paths", join(dir, f)]);
  const r = await verify(dir, [...IDENTITY, ...ignore, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout);
  expectDocumentedShape(json, "verify (signature)");
  expect(json.signature).toMatchObject({
    method: "sigstore",
    signer: { identity: "stefanb@us.ibm.com", issuer: "https://sigstore.verify.ibm.com/oauth2" },
  });
  expect(json.files).toEqual([
    expect.objectContaining({ name: "signme-1", status: "ok" }),
    expect.objectContaining({ name: "signme-2", status: "ok" }),
  ]);
  const human = await verify(dir, [...IDENTITY, ...ignore]);
  expect(human.code).toBe(0);
  expect(human.stderr).toContain("signed by stefanb@us.ibm.com");
});

it("another identity or issuer is refused (exit 6, SIGNER_MISMATCH); none at all names the signer (exit 2)", async () => {
  const dir = await copyOf("v1.1.0-sigstore");
  for (const who of [
    ["--identity", "someone@example.com", "--issuer", IDENTITY[3]!],
    ["--identity", IDENTITY[1]!, "--issuer", "https://accounts.google.com"],
  ]) {
    const r = await verify(dir, [...who, "--json"]);
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "SIGNER_MISMATCH" });
  }
  const none = await verify(dir, ["--json"]);
  expect(none.code).toBe(2);
  expect(JSON.parse(none.stdout).error).toMatchObject({
    code: "SIGNER_IDENTITY_MISSING",
    message: expect.stringContaining("stefanb@us.ibm.com"),
  });
});

it("a tampered file is named (exit 6); a tampered signature is refused", async () => {
  const dir = await copyOf("v1.1.0-sigstore");
  await appendFile(join(dir, "signme-2"), "x");
  const r = await verify(dir, IDENTITY);
  expect(r.code).toBe(6);
  expect(r.stdout).toContain("signme-2: CHANGED");
  expect(r.stdout).toContain("signme-1: OK");

  const sigPath = join(dir, "model.sig");
  const bundle = JSON.parse(await readFile(sigPath, "utf8"));
  const sig = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, "base64");
  sig[sig.length - 3]! ^= 1;
  bundle.dsseEnvelope.signatures[0].sig = sig.toString("base64");
  await writeFile(sigPath, JSON.stringify(bundle));
  const forged = await verify(dir, [...IDENTITY, "--json"]);
  expect(forged.code).toBe(6);
  expect(JSON.parse(forged.stdout).error.category).toBe("integrity");
});

it("another trusted root is refused: a foreign CA (CERTIFICATE_UNTRUSTED), a foreign log key; a non-root is exit 2", async () => {
  const dir = await copyOf("v1.1.0-sigstore");
  const root = JSON.parse(await readFile(ROOT, "utf8"));
  // Another instance's root: the model_signing test CA in place of Fulcio's.
  const testCa = (await readFile(join(FIX, "keys", "certificate", "ca-cert.pem"), "utf8"))
    .replace(/-----[A-Z ]+-----/g, "")
    .replace(/\s+/g, "");
  const foreignCa = structuredClone(root);
  for (const ca of foreignCa.certificateAuthorities) ca.certChain.certificates = [{ rawBytes: testCa }];
  await writeFile(join(work, "foreign-ca.json"), JSON.stringify(foreignCa));
  const r1 = await runCli(["verify", dir, "--trusted-root", join(work, "foreign-ca.json"), ...IDENTITY, "--json"]);
  expect(r1.code).toBe(6);
  expect(JSON.parse(r1.stdout).error.code).toBe("CERTIFICATE_UNTRUSTED");

  // Fulcio's CA but no Rekor log of its own: the entries come from a log this root does not trust.
  const foreignLog = structuredClone(root);
  foreignLog.tlogs = foreignLog.ctlogs
    .slice(-1)
    .map((t: Record<string, unknown>) => ({ ...t, baseUrl: "https://rekor.example" }));
  await writeFile(join(work, "foreign-log.json"), JSON.stringify(foreignLog));
  const r2 = await runCli(["verify", dir, "--trusted-root", join(work, "foreign-log.json"), ...IDENTITY, "--json"]);
  expect(r2.code).toBe(6);
  expect(JSON.parse(r2.stdout).error.code).toBe("TLOG_UNVERIFIED");

  await writeFile(join(work, "not-a-root.json"), '{"hello":1}');
  const r3 = await runCli(["verify", dir, "--trusted-root", join(work, "not-a-root.json"), ...IDENTITY, "--json"]);
  expect(r3.code).toBe(2);
  expect(JSON.parse(r3.stdout).error.code).toBe("TRUSTED_ROOT_UNREADABLE");
});

it("a key-signed model given a trusted root is refused with the flags to use", async () => {
  const dir = await copyOf("v1.1.0-elliptic-key");
  const r = await verify(dir, [...IDENTITY, "--json"]);
  expect(r.code).toBe(6);
  expect(JSON.parse(r.stdout).error).toMatchObject({ code: "SIGNATURE_METHOD_MISMATCH" });
});
