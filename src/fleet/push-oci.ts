import { basename, join, resolve } from "node:path";
import { readCappedText } from "../formats/io/read-capped-text.js";
import { SignatureError } from "../provenance/errors.js";
import { DEFAULT_SIGNATURE_NAME } from "../provenance/oms/oms-types.js";
import { attachReferrer, type ReferrerMode } from "../sources/oci/attach-referrer.js";
import { BOM_ARTIFACT, OCI_MANIFEST, SIGNATURE_ARTIFACT } from "../sources/oci/media-types.js";
import { EventQueue } from "../core/event-queue.js";
import { eventChannel } from "../core/event-channel.js";
import { hashModelFiles } from "./hash-model-files.js";
import { buildModelArtifact, type ArtifactModelInfo } from "../sources/oci/build-model-artifact.js";
import { createRegistrySession, type RegistryCredentials } from "../sources/oci/create-registry-session.js";
import type { ModelFolderFile } from "../sources/oci/list-model-files.js";
import { checkSignatureCovers } from "./check-signature-covers.js";
import { collectModelUnit } from "./collect-model-unit.js";
import { parseOciReference } from "../sources/oci/parse-oci-reference.js";
import { pushBlob, type BlobPushMode } from "../sources/oci/push-blob.js";
import { pushManifest } from "../sources/oci/push-manifest.js";
import type { Dispatcher } from "undici";
import { forEachConcurrent } from "../core/for-each-concurrent.js";

export interface PushOciParams {
  /** The model folder (Meta layout, Hugging Face snapshot or local dir, GGUF files). */
  dir: string;
  /** `<registry>/<repository>:<tag>`. */
  ref: string;
  /** Catalog name of the model (license family, size); @default the folder's name when the catalog knows it */
  model?: string;
  /** License family when the folder does not tell (catalog, LICENSE text): a family id, or "none". */
  licenseFamily?: string;
  /** http:// instead of https:// (loopback and test registries). */
  plainHttp?: boolean;
  /** Credentials for this registry only (resolveRegistryCredentials looks them up per host). */
  credentials?: RegistryCredentials;
  /** Time limit of each metadata exchange (not of file uploads), in ms. @default 60000 */
  metadataTimeoutMs?: number;
  /** Token-service hosts allowed although on another host than the registry, or plain http. */
  allowTokenRealmHosts?: readonly string[];
  /** Blobs larger than this are sent in PATCH chunks of this size. @default 64 MiB */
  chunkSize?: number;
  /** One PUT per blob, never PATCH. */
  monolithic?: boolean;
  /** Blobs uploaded at once. @default 3 */
  concurrency?: number;
  /** Where upload sessions are remembered so a later run resumes them. */
  stateDir?: string;
  /**
   * The model's OMS signature, attached as an OCI 1.1 referrer (never a layer). @default the folder's `model.sig`
   * when there is one
   */
  signaturePath?: string;
  /** false: attach no signature (the folder's model.sig is then not pushed at all). @default true */
  attachSignature?: boolean;
  /** A CycloneDX BOM (JSON bytes) to attach as a referrer too. */
  bom?: Buffer;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

export type PushOciEvent =
  | {
      type: "push-plan";
      ref: string;
      files: { path: string; size: number }[];
      totalBytes: number;
      model: string | null;
      licenseFamily: string | null;
      /** Shared files taken from the Meta release root (tokenizer, LICENSE, USE_POLICY). */
      fromReleaseRoot: string[];
    }
  | { type: "push-hashed"; path: string; reused: boolean; size: number }
  | { type: "push-progress"; path: string; offset: number; size: number }
  | {
      type: "push-note";
      path: string;
      kind: "resumed" | "restarted" | "fallback-monolithic";
      offset: number;
      reason?: string;
    }
  | { type: "push-blob-done"; path: string; mode: BlobPushMode; resumedFrom: number; bytesSent: number }
  | { type: "push-referrer"; artifactType: string; digest: string; mode: ReferrerMode };

export interface PushOciSummary {
  ref: string;
  /** Manifest digest: pull by `<registry>/<repo>@<digest>` for an immutable reference. */
  digest: string;
  model: string | null;
  licenseFamily: string | null;
  files: { path: string; size: number; sha256: string; mediaType: string; mode: BlobPushMode }[];
  bytesSent: number;
  blobsSkipped: number;
  /** Referrers attached to the manifest (the signature, the BOM) and how registries find them. */
  referrers: { artifactType: string; digest: string; mode: ReferrerMode }[];
  seconds: number;
}

/**
 * `llamagate push <dir> <ref>`: check the folder (md5 checklists when present), hash every file
 * (sha256, reusing the verification sidecars of llamagate downloads), describe it as a CNCF ModelPack
 * artifact, upload the blobs the registry lacks (layers, then config), then the manifest.
 */
export async function* pushOciIter(p: PushOciParams): AsyncGenerator<PushOciEvent, PushOciSummary> {
  const t0 = performance.now();
  const ref = parseOciReference(p.ref);
  const unit = await collectModelUnit({ dir: p.dir, model: p.model, licenseFamily: p.licenseFamily, signal: p.signal });
  const { catalog } = unit;
  const signature = await readSignature(p);
  // The signature travels as a referrer, not as a layer: it is not one of the files it signs.
  const sigPath = resolve(p.signaturePath ?? join(p.dir, DEFAULT_SIGNATURE_NAME));
  const files = unit.files.filter((f) => resolve(f.absPath) !== sigPath);
  yield {
    type: "push-plan",
    ref: ref.display,
    files: files.map((f) => ({ path: f.path, size: f.size })),
    totalBytes: files.reduce((s, f) => s + f.size, 0),
    model: catalog?.name ?? null,
    licenseFamily: unit.licenseFamily,
    fromReleaseRoot: unit.fromReleaseRoot,
  };

  // Each file's hash is reported as it finishes (minutes for big weights), so the CLI can show progress.
  const hq = new EventQueue<PushOciEvent>();
  const sizes = new Map(files.map((f) => [f.path, f.size]));
  let hashed: Map<string, string> | undefined;
  let hashFailure: unknown;
  void hashModelFiles({
    files,
    signal: p.signal,
    onFile: (path, reused) => hq.push({ type: "push-hashed", path, reused, size: sizes.get(path) ?? 0 }),
  }).then(
    (h) => ((hashed = h), hq.wake()),
    (e: unknown) => ((hashFailure = e ?? new Error("hashing failed")), hq.wake()),
  );
  for (;;) {
    for (const e of hq.drain()) yield e;
    if (hashed || hashFailure !== undefined) break;
    await hq.wait();
  }
  for (const e of hq.drain()) yield e;
  if (hashFailure !== undefined) throw hashFailure;
  if (!hashed) throw new Error("unreachable: hashing ended without hashes");
  const hashes = hashed;
  if (signature) checkSignatureCovers(signature, files, hashes, unit.fromReleaseRoot);

  const model: ArtifactModelInfo = {
    name: catalog?.name ?? basename(p.dir),
    catalogName: catalog?.name,
    licenseFamily: unit.licenseFamily ?? undefined,
    family: unit.licenseFamily ?? undefined,
    paramSize: catalog?.size.toLowerCase(),
    format: files.some((f) => f.path.endsWith(".gguf"))
      ? "gguf"
      : files.some((f) => f.path.endsWith(".safetensors"))
        ? "safetensors"
        : files.some((f) => f.path.endsWith(".pth"))
          ? "pt"
          : undefined,
  };
  const createdAt = new Date(Math.floor(Math.max(...files.map((f) => f.mtimeMs)) / 1000) * 1000).toISOString();
  const artifact = buildModelArtifact({
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: hashes.get(f.path)! })),
    model,
    createdAt,
  });

  const session = createRegistrySession({
    registry: ref.registry,
    repository: ref.repository,
    plainHttp: p.plainHttp,
    credentials: p.credentials,
    metadataTimeoutMs: p.metadataTimeoutMs,
    allowTokenRealmHosts: p.allowTokenRealmHosts,
    dispatcher: p.dispatcher,
    signal: p.signal,
  });
  const done: PushOciSummary["files"] = [];
  let bytesSent = 0;
  let skipped = 0;
  const referrers: PushOciSummary["referrers"] = [];
  try {
    const byPath = new Map<string, ModelFolderFile>(files.map((f) => [f.path, f]));
    // Two files with the same bytes share one blob: upload it once.
    const unique = [...new Map(artifact.layers.map((l) => [l.digest, l])).values()];
    const modes = new Map<string, BlobPushMode>();
    // Progress events reach the caller while the uploads run.
    const uploads = (emit: (e: PushOciEvent) => void) =>
      forEachConcurrent(unique, p.concurrency ?? 3, async (l) => {
        const f = byPath.get(l.path)!;
        const r = await pushBlob({
          session,
          digest: l.digest,
          size: l.size,
          source: { path: f.absPath },
          chunkSize: p.chunkSize,
          monolithic: p.monolithic,
          stateDir: p.stateDir,
          signal: p.signal,
          onProgress: (offset) => emit({ type: "push-progress", path: l.path, offset, size: l.size }),
          onNote: (n) => emit({ type: "push-note", path: l.path, ...n }),
        });
        modes.set(l.digest, r.mode);
        bytesSent += r.bytesSent;
        if (r.mode === "exists") skipped++;
        emit({
          type: "push-blob-done",
          path: l.path,
          mode: r.mode,
          resumedFrom: r.resumedFrom,
          bytesSent: r.bytesSent,
        });
      });
    // The first failed upload stops new ones and is thrown once the running ones have settled.
    yield* eventChannel(uploads);
    const cfg = await pushBlob({
      session,
      digest: artifact.configDescriptor.digest,
      size: artifact.config.length,
      source: { bytes: artifact.config },
      signal: p.signal,
    });
    if (cfg.mode === "exists") skipped++;
    await pushManifest({ session, reference: ref.tag ?? artifact.manifestDigest, manifest: artifact.manifest });
    const subject = { mediaType: OCI_MANIFEST, digest: artifact.manifestDigest, size: artifact.manifest.length };
    const attach: { artifactType: string; bytes: Buffer; fileName: string }[] = [];
    if (signature)
      attach.push({ artifactType: SIGNATURE_ARTIFACT, bytes: signature.bytes, fileName: DEFAULT_SIGNATURE_NAME });
    if (p.bom) attach.push({ artifactType: BOM_ARTIFACT, bytes: p.bom, fileName: "bom.cdx.json" });
    for (const a of attach) {
      const r = await attachReferrer({ session, subject, ...a, createdAt, signal: p.signal });
      referrers.push({ artifactType: a.artifactType, ...r });
      yield { type: "push-referrer", artifactType: a.artifactType, ...r };
    }
    for (const l of artifact.layers)
      done.push({
        path: l.path,
        size: l.size,
        sha256: l.digest.slice(7),
        mediaType: l.mediaType,
        mode: modes.get(l.digest) ?? "exists",
      });
  } finally {
    await session.close();
  }
  return {
    ref: ref.display,
    digest: artifact.manifestDigest,
    model: catalog?.name ?? null,
    licenseFamily: unit.licenseFamily,
    files: done,
    bytesSent,
    blobsSkipped: skipped,
    referrers,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Signature files larger than this are refused (an OMS bundle of a model is a few KiB). */
const MAX_SIGNATURE_BYTES = 16 << 20;

/** The signature to attach: `--signature FILE`, else the folder's model.sig when there is one. */
async function readSignature(p: PushOciParams): Promise<{ path: string; bytes: Buffer } | undefined> {
  if (p.attachSignature === false) return undefined;
  const path = resolve(p.signaturePath ?? join(p.dir, DEFAULT_SIGNATURE_NAME));
  try {
    const text = await readCappedText({ path, maxBytes: MAX_SIGNATURE_BYTES, what: "The signature" });
    return { path, bytes: Buffer.from(text, "utf8") };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    if (p.signaturePath === undefined) return undefined;
    throw new SignatureError("SIGNATURE_NOT_FOUND", `No signature at ${path}.`, {
      hint: "Pass --signature FILE, or sign the model first (llamagate sign).",
    });
  }
}
