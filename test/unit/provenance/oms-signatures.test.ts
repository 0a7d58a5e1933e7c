/**
 * OMS model signatures: every key- and certificate-method model that sigstore/model-transparency publishes verifies,
 * tampered copies are refused naming the file, and what llamagate signs has exactly the structure the spec defines,
 * checked here from the spec's fields with node:crypto alone (not with llamagate's verifier).
 */
import { createHash, createPublicKey, generateKeyPairSync, verify as cryptoVerify } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile, appendFile, unlink, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signModel } from "../../../src/provenance/oms/sign-model.js";
import { verifyModelSignature } from "../../../src/provenance/oms/verify-model-signature.js";

const FIX = fileURLToPath(new URL("../../fixtures/oms/", import.meta.url));
const KEYS = join(FIX, "keys", "certificate");
const pem = (n: string) => readFile(join(KEYS, n));

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-oms-"));
  return () => rm(work, { recursive: true, force: true });
});
afterEach(() => undefined);

/** A fixture folder copied out, so tampering never touches the committed files. */
async function copyOf(name: string): Promise<string> {
  const d = join(work, name);
  await cp(join(FIX, name), d, { recursive: true });
  return d;
}

// How the reference's own test scripts verify each published model (scripts/tests/test-verify-*.sh).
const KEY_MODELS: [string, string, string[]][] = [
  ["v0.3.1-elliptic-key", "signme-1", []],
  ["v1.0.0-elliptic-key", "signme-1", []],
  ["v1.0.1-elliptic-key", ".", ["ignore-me"]],
  ["v1.1.0-elliptic-key", ".", ["ignore-me"]],
];
const CERT_MODELS: [string, string[]][] = [
  ["v0.2.0-certificate", []],
  ["v0.3.1-certificate", []],
  ["v1.0.0-certificate", []],
  ["v1.0.1-certificate", ["ignore-me"]],
  ["v1.1.0-certificate", ["ignore-me"]],
];

describe("the reference implementation's signed models", () => {
  it.each(KEY_MODELS)("%s (key method) verifies, and a changed byte is named", async (name, target, ignore) => {
    const dir = await copyOf(name);
    const path = target === "." ? dir : join(dir, target);
    const params = { path, signaturePath: join(dir, "model.sig"), publicKeyPem: await pem("signing-key-pub.pem") };
    const ok = await verifyModelSignature({ ...params, ignorePaths: ignore.map((i) => join(dir, i)) });
    expect(ok.ok, JSON.stringify(ok.files)).toBe(true);
    expect(ok.files.every((f) => f.status === "ok")).toBe(true);

    await appendFile(join(dir, "signme-1"), "x");
    const bad = await verifyModelSignature({ ...params, ignorePaths: ignore.map((i) => join(dir, i)) });
    expect(bad.ok).toBe(false);
    expect(bad.files.find((f) => f.status === "changed")?.name).toBe(target === "." ? "signme-1" : ".");
  });

  it.each(CERT_MODELS)(
    "%s (certificate method) verifies against the root CA; files added or removed are named",
    async (name, ignore) => {
      const dir = await copyOf(name);
      const params = {
        path: dir,
        certificateChainPems: [await pem("ca-cert.pem")],
        ignorePaths: ignore.map((i) => join(dir, i)),
      };
      expect((await verifyModelSignature(params)).ok).toBe(true);
      await writeFile(join(dir, "planted.bin"), "x");
      await unlink(join(dir, "signme-2"));
      const r = await verifyModelSignature(params);
      expect(r.ok).toBe(false);
      expect(r.files.filter((f) => f.status !== "ok").map((f) => [f.name, f.status])).toEqual([
        ["planted.bin", "added"],
        ["signme-2", "missing"],
      ]);
    },
  );

  it("a signature checked with another key is refused (SIGNATURE_INVALID), and a CA it does not chain to is untrusted", async () => {
    const dir = await copyOf("v1.1.0-elliptic-key");
    const other = generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey.export({ type: "spki", format: "pem" });
    await expect(
      verifyModelSignature({ path: dir, publicKeyPem: other, ignorePaths: [join(dir, "ignore-me")] }),
    ).rejects.toMatchObject({ code: "SIGNATURE_INVALID", category: "integrity" });
    // The bundle's chain with its intermediate taken out no longer leads to the root CA.
    const cdir = await copyOf("v1.1.0-certificate");
    const sig = JSON.parse(await readFile(join(cdir, "model.sig"), "utf8"));
    sig.verificationMaterial.x509CertificateChain.certificates.splice(1);
    await writeFile(join(cdir, "model.sig"), JSON.stringify(sig));
    await expect(
      verifyModelSignature({ path: cdir, certificateChainPems: [await pem("ca-cert.pem")] }),
    ).rejects.toMatchObject({ code: "CERTIFICATE_UNTRUSTED" });
  });

  it("a flipped byte in the signed statement is refused", async () => {
    const dir = await copyOf("v1.0.0-certificate");
    const sig = JSON.parse(await readFile(join(dir, "model.sig"), "utf8"));
    const statement = JSON.parse(Buffer.from(sig.dsseEnvelope.payload, "base64").toString());
    statement.predicate.resources[0].digest = "0".repeat(64);
    sig.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString("base64");
    await writeFile(join(dir, "model.sig"), JSON.stringify(sig));
    await expect(
      verifyModelSignature({ path: dir, certificateChainPems: [await pem("ca-cert.pem")] }),
    ).rejects.toMatchObject({
      code: "SIGNATURE_INVALID",
    });
  });
});

describe("what llamagate signs", () => {
  async function model(): Promise<string> {
    const dir = join(work, "llama-2-7b");
    await mkdir(join(dir, "sub"), { recursive: true });
    await writeFile(join(dir, "consolidated.00.pth"), Buffer.alloc(70_000, 7));
    await writeFile(join(dir, "params.json"), '{"dim":64}');
    await writeFile(join(dir, "sub", "tokenizer.model"), "tok");
    await writeFile(join(dir, ".consolidated.00.pth.llamagate.json"), "{}"); // llamagate's sidecar: not model content
    return dir;
  }
  const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

  it("has the structure OMS v1.0 defines (checked from the spec's fields with node:crypto only)", async () => {
    const dir = await model();
    const keyPem = await pem("signing-key.pem");
    await signModel({ path: dir, privateKeyPem: keyPem });
    const bundle = JSON.parse(await readFile(join(dir, "model.sig"), "utf8"));
    expect(bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(bundle.verificationMaterial.publicKey.keyDetails).toBe("PKIX_ECDSA_P384_SHA_384");
    const env = bundle.dsseEnvelope;
    expect(env.payloadType).toBe("application/vnd.in-toto+json");
    const payload = Buffer.from(env.payload, "base64");
    // DSSE v1 pre-authentication encoding, written out from the DSSE protocol document.
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${env.payloadType.length} ${env.payloadType} ${payload.length} `),
      payload,
    ]);
    const pub = createPublicKey(keyPem);
    expect(
      cryptoVerify("sha384", pae, { key: pub, dsaEncoding: "der" }, Buffer.from(env.signatures[0].sig, "base64")),
    ).toBe(true);

    const st = JSON.parse(payload.toString());
    expect(st._type).toBe("https://in-toto.io/Statement/v1");
    expect(st.predicateType).toBe("https://model_signing/signature/v1.0");
    expect(st.predicate.serialization).toMatchObject({ method: "files", hash_type: "sha256", allow_symlinks: false });
    const files = {
      "consolidated.00.pth": sha(Buffer.alloc(70_000, 7)),
      "params.json": sha('{"dim":64}'),
      "sub/tokenizer.model": sha("tok"),
    };
    expect(st.predicate.resources).toEqual(
      Object.entries(files).map(([name, digest]) => ({ name, algorithm: "sha256", digest })),
    );
    const root = createHash("sha256");
    for (const d of Object.values(files)) root.update(Buffer.from(d, "hex"));
    expect(st.subject).toEqual([{ name: "llama-2-7b", digest: { sha256: root.digest("hex") } }]);
    expect(st.predicate.serialization.ignore_paths).toContain("model.sig");
  });

  it("round trip, certificate method: verifies with the root CA; a changed file is named", async () => {
    const dir = await model();
    await signModel({
      path: dir,
      privateKeyPem: await pem("signing-key.pem"),
      signingCertificatePem: await pem("signing-key-cert.pem"),
      certificateChainPems: [await pem("int-ca-cert.pem")],
    });
    const params = { path: dir, certificateChainPems: [await pem("ca-cert.pem")] };
    expect((await verifyModelSignature(params)).ok).toBe(true);
    await writeFile(join(dir, "params.json"), '{"dim":65}');
    const r = await verifyModelSignature(params);
    expect(r.files.filter((f) => f.status !== "ok")).toMatchObject([{ name: "params.json", status: "changed" }]);
  });
});

it("a keyless Sigstore bundle given a key or CA is refused with a clear message, not as a bad signature", async () => {
  const dir = await copyOf("v1.1.0-sigstore");
  await expect(
    verifyModelSignature({ path: dir, certificateChainPems: [await pem("ca-cert.pem")] }),
  ).rejects.toMatchObject({ code: "SIGNATURE_METHOD_MISMATCH", hint: expect.stringContaining("--trusted-root") });
});
