/**
 * Issue 16 §2: every source (meta, hf, oci, bundle) runs through one interface, and a dry run is its check and plan,
 * then stop. For each kind, against the real local servers: a dry run fetches no weight byte (the servers' request
 * logs) and writes nothing, and it refuses exactly what the real run refuses (same code, same message), whether the
 * refusal comes from the check or from the plan.
 */
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../../src/catalog/find-model.js";
import { drainIter } from "../../src/core/drain-iter.js";
import { ociSourceParams } from "../../src/fleet/oci-source-params.js";
import { packBundle } from "../../src/fleet/pack-bundle.js";
import { pullOciIter } from "../../src/fleet/pull-oci.js";
import { pushOciIter } from "../../src/fleet/push-oci.js";
import { unpackBundle } from "../../src/index.js";
import { bindSource } from "../../src/pipeline/bind-source.js";
import { downloadHf } from "../../src/sources/hf/download-hf.js";
import type { ModelSource, SourcePlanFacts } from "../../src/sources/model-source.js";
import { sourceFor } from "../../src/sources/source-for.js";
import { GATED_REPO, PUBLIC_REPO, exampleHub } from "../helpers/hub-fixtures.js";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";
import { hasProgram, startRegistry, type LocalRegistry } from "../helpers/oci-registry.js";

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-source-dry-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A dry run (check, plan, stop) and a real run (check, plan, fetch) of the same source and parameters. */
function runs<P, C, Pl extends SourcePlanFacts, E, R>(source: ModelSource<P, C, Pl, E, R>, params: P) {
  return {
    dry: async () => {
      const bound = bindSource(source, params, (r) => r);
      try {
        return await drainIter(bound.plan());
      } finally {
        await bound.discard();
      }
    },
    real: async () => drainIter(bindSource(source, params, (r) => r).fetch()),
  };
}

/** The refusal a run ends with (code and message), or "no refusal". */
async function refusal(run: () => Promise<unknown>): Promise<{ code?: string; message: string } | "no refusal"> {
  try {
    await run();
    return "no refusal";
  } catch (e) {
    const err = e as { code?: string; message: string };
    return { code: err.code, message: err.message };
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe("meta", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 50_000 });
  });
  afterAll(async () => cdn?.close());
  const models = [findModel({ name: "llama-2-7b" })];

  it("a dry run plans download.sh's files without a request or a folder; an expired link (check) and a full disk (plan) are refused as the real run refuses them", async () => {
    const meta = await sourceFor("meta");
    const dir = join(work, "meta-ok");
    const plan = await runs(meta, { url: cdn.url(), models, dir }).dry();
    // checklist.chk, consolidated.00.pth, params.json + the release's LICENSE, USE_POLICY.md, tokenizer files.
    expect(plan.files).toBe(Object.keys(cdn.files).length);
    expect(plan.bytesNeeded).toBe(models[0]!.meta!.weightBytes);
    expect(cdn.cdn.requests).toEqual([]);
    expect(await exists(dir)).toBe(false);

    const expired = runs(meta, { url: cdn.url(new Date(Date.now() - 60_000)), models, dir: join(work, "meta-x") });
    const dryExpired = await refusal(expired.dry);
    expect(dryExpired).toMatchObject({ code: "SIGNED_URL_EXPIRED" });
    expect(await refusal(expired.real)).toEqual(dryExpired);

    const full = runs(meta, {
      url: cdn.url(),
      models,
      dir: join(work, "meta-full"),
      statfsImpl: async () => ({ bavail: 1, bsize: 4096 }),
    });
    const dryFull = await refusal(full.dry);
    expect(dryFull).toMatchObject({ code: "DISK_FULL" });
    expect(await refusal(full.real)).toEqual(dryFull);
    expect(cdn.cdn.requests).toEqual([]);

    // The real run does fetch (the log sees it), so the checks above could fail.
    await runs(meta, { url: cdn.url(), models, dir }).real();
    expect(cdn.cdn.requests.filter((q) => q.path.endsWith("consolidated.00.pth"))).not.toEqual([]);
  });
});

describe("hf", () => {
  let hub: HubServer;
  beforeAll(async () => {
    hub = await startHubServer(exampleHub());
  });
  afterAll(async () => hub?.close());
  const fileGets = () =>
    hub.requests.filter((q) => q.server === "cdn" || (q.method === "GET" && q.path.includes("/resolve/")));

  it("a dry run lists and probes without a file GET or a write; a gated repo without a token (check) and an include that matches nothing (plan) are refused as the real run refuses them", async () => {
    const hf = await sourceFor("hf");
    const params = { repoId: PUBLIC_REPO, cacheDir: join(work, "hf-cache"), endpoint: hub.endpoint };
    const listed = exampleHub().repos.find((r) => r.id === PUBLIC_REPO)!.files;
    const plan = await runs(hf, { ...params, localDir: join(work, "hf-ok") }).dry();
    expect(plan.files).toBeGreaterThan(0);
    expect(plan.files).toBeLessThanOrEqual(listed.length);
    expect(plan.bytesNeeded).toBeGreaterThan(0);
    expect(fileGets()).toEqual([]);
    expect(await exists(join(work, "hf-ok"))).toBe(false);
    expect(await exists(join(work, "hf-cache"))).toBe(false);

    const gated = runs(hf, { ...params, repoId: GATED_REPO, localDir: join(work, "hf-gated") });
    const dryGated = await refusal(gated.dry);
    expect(dryGated).not.toBe("no refusal");
    expect(await refusal(gated.real)).toEqual(dryGated);

    const none = runs(hf, { ...params, include: ["*.nothing"], localDir: join(work, "hf-none") });
    const dryNone = await refusal(none.dry);
    expect(dryNone).toMatchObject({ code: "HF_NO_FILES_MATCHED" });
    expect(await refusal(none.real)).toEqual(dryNone);
    expect(fileGets()).toEqual([]);

    // The public downloadHfIter's checkOnly is the same stop after the plan.
    const summary = await downloadHf({ ...params, localDir: join(work, "hf-ok"), checkOnly: true });
    expect(summary.files.length).toBe(plan.files);
    expect(summary.files.every((f) => !f.downloaded && !f.verified)).toBe(true);
    expect(summary.bytesTransferred).toBe(0);
    expect(fileGets()).toEqual([]);
    expect(await exists(join(work, "hf-ok"))).toBe(false);

    // The real run does fetch (the log sees it), so the checks above could fail.
    await runs(hf, { ...params, localDir: join(work, "hf-ok") }).real();
    expect(fileGets()).not.toEqual([]);
  });
});

const HAVE_REGISTRY = hasProgram("docker-registry");

describe.skipIf(!HAVE_REGISTRY)("oci", () => {
  let registry: LocalRegistry;
  let ref: string;
  const weights = randomBytes(200_000);
  const weightsDigest = createHash("sha256").update(weights).digest("hex");
  beforeAll(async () => {
    registry = await startRegistry();
    const model = join(work, "oci-model");
    await mkdir(model);
    await writeFile(join(model, "model.safetensors"), weights);
    await writeFile(join(model, "config.json"), '{"model_type":"llama"}');
    ref = `${registry.host}/models/tiny:v1`;
    await drainIter(
      pushOciIter({ dir: model, ref, plainHttp: true, licenseFamily: "none", stateDir: join(work, "oci-state") }),
    );
  });
  afterAll(async () => registry?.stop());
  const weightGets = async () =>
    (await registry.requests()).filter((l) => l.startsWith("GET ") && l.includes(weightsDigest));

  it("a dry run reads manifest and config only; a missing required signature (check) is refused as the real run refuses it", async () => {
    const ociSource = await sourceFor("oci");
    const dir = join(work, "oci-ok");
    const plan = await runs(ociSource, ociSourceParams({ ref, dir, plainHttp: true })).dry();
    expect(plan.files).toBe(2);
    expect(plan.bytesNeeded).toBeGreaterThanOrEqual(weights.length);
    expect(await weightGets()).toEqual([]);
    expect(await exists(dir)).toBe(false);

    const publicKeyPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({
      type: "spki",
      format: "pem",
    });
    const signed = runs(
      ociSource,
      ociSourceParams({ ref, dir: join(work, "oci-signed"), plainHttp: true, requireSignature: { publicKeyPem } }),
    );
    const drySigned = await refusal(signed.dry);
    expect(drySigned).toMatchObject({ code: "SIGNATURE_NOT_ATTACHED" });
    expect(await refusal(signed.real)).toEqual(drySigned);
    expect(await weightGets()).toEqual([]);

    // The public pullOciIter's checkOnly is the same stop after the plan (beforeFetch, the license gate, runs).
    let gated = 0;
    const summary = await drainIter(
      pullOciIter({ ref, dir, plainHttp: true, checkOnly: true, beforeFetch: async () => void gated++ }),
    );
    expect(gated).toBe(1);
    expect(summary.files.map((f) => f.downloaded)).toEqual([false, false]);
    expect(await weightGets()).toEqual([]);
    expect(await exists(dir)).toBe(false);

    // The real run does fetch the weights (the log sees it), so the checks above could fail.
    await runs(ociSource, ociSourceParams({ ref, dir, plainHttp: true })).real();
    expect((await weightGets()).length).toBeGreaterThan(0);
  });
});

describe("bundle", () => {
  let bundle: string;
  const weights = randomBytes(100_000);
  beforeAll(async () => {
    const model = join(work, "bundle-model");
    await mkdir(model);
    await writeFile(join(model, "model.safetensors"), weights);
    await writeFile(join(model, "config.json"), '{"model_type":"llama"}');
    bundle = join(work, "model.tar");
    await packBundle({ dir: model, out: bundle, licenseFamily: "none", auditLogPath: null });
  });

  it("a dry run reads the manifest and writes nothing; a compressed bundle (check) and a differing file in the destination (plan) are refused as the real run refuses them", async () => {
    const src = await sourceFor("bundle");
    const dir = join(work, "bundle-ok");
    const plan = await runs(src, { bundle, dir }).dry();
    expect(plan.files).toBe(2);
    expect(plan.bytesNeeded).toBe(weights.length + '{"model_type":"llama"}'.length);
    expect(await exists(dir)).toBe(false);

    const gz = join(work, "model.tar.gz");
    await writeFile(gz, gzipSync(randomBytes(1000)));
    const compressed = runs(src, { bundle: gz, dir: join(work, "bundle-gz") });
    const dryCompressed = await refusal(compressed.dry);
    expect(dryCompressed).toMatchObject({ code: "BUNDLE_COMPRESSED" });
    expect(await refusal(compressed.real)).toEqual(dryCompressed);

    const taken = join(work, "bundle-taken");
    await mkdir(taken);
    await writeFile(join(taken, "config.json"), "something else");
    const clash = runs(src, { bundle, dir: taken });
    const dryClash = await refusal(clash.dry);
    expect(dryClash).toMatchObject({ code: "OUTPUT_EXISTS" });
    expect(await readdir(taken)).toEqual(["config.json"]);
    expect(await refusal(clash.real)).toEqual(dryClash);

    const result = await runs(src, { bundle, dir }).real();
    expect(result.files.map((f) => f.path).sort()).toEqual(["config.json", "model.safetensors"]);
  });

  it("the public unpackBundle runs the bundle source: check, the gate on its manifest, plan, fetch", async () => {
    const size = weights.length + '{"model_type":"llama"}'.length;
    // The gate sees the manifest before the plan's refusal of a differing file (OUTPUT_EXISTS), as it always has.
    const taken = join(work, "bundle-public-taken");
    await mkdir(taken);
    await writeFile(join(taken, "config.json"), "something else");
    const seen: string[] = [];
    const clash = await refusal(() =>
      unpackBundle({ bundle, dir: taken, beforeExtract: async (m) => void seen.push(...m.files.map((f) => f.path)) }),
    );
    expect(clash).toMatchObject({ code: "OUTPUT_EXISTS" });
    expect(seen.sort()).toEqual(["config.json", "model.safetensors"]);
    expect(await readdir(taken)).toEqual(["config.json"]);

    // A refusing gate stops it before anything is written.
    const refused = join(work, "bundle-public-refused");
    const gateRefusal = await refusal(() =>
      unpackBundle({
        bundle,
        dir: refused,
        beforeExtract: async () => {
          throw Object.assign(new Error("refused by the gate"), { code: "LICENSE_BLOCKED" });
        },
      }),
    );
    expect(gateRefusal).toEqual({ code: "LICENSE_BLOCKED", message: "refused by the gate" });
    expect(await exists(refused)).toBe(false);

    const dir = join(work, "bundle-public-ok");
    const progress: number[] = [];
    let gated = 0;
    const r = await unpackBundle({
      bundle,
      dir,
      beforeExtract: async () => void gated++,
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(gated).toBe(1);
    expect(r.bytes).toBe(size);
    expect(progress.at(-1)).toBe(size);
    expect(r.files.map((f) => [f.path, f.written]).sort()).toEqual([
      ["config.json", true],
      ["model.safetensors", true],
    ]);
  });
});
