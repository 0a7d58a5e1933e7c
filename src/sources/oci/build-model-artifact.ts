import { createHash } from "node:crypto";
import { UsageError } from "../../core/errors.js";
import { classifyModelFile } from "./classify-model-file.js";
import { ANNOTATION_FILEPATH, ANNOTATION_TITLE, MODEL_ARTIFACT, MODEL_CONFIG, OCI_MANIFEST } from "./media-types.js";

/** One file of the model folder, already hashed. */
export interface ArtifactFile {
  /** Path relative to the model folder, "/"-separated. */
  path: string;
  size: number;
  /** Hex sha256 of the file (the layer digest: layers are the raw files). */
  sha256: string;
}

/** What the artifact says about the model (ModelPack `descriptor` / `config`, plus llamagate's fields). */
export interface ArtifactModelInfo {
  /** Model name, e.g. "llama-2-7b" (a catalog name when llamagate knows the model). */
  name: string;
  /** Family, e.g. "llama2". */
  family?: string;
  /** License family id (llamagate's: "llama2", "llama3.1", ...), checked by `pull` before any layer. */
  licenseFamily?: string;
  /** "safetensors", "gguf" or "pt". */
  format?: string;
  /** Parameter count label such as "7b". */
  paramSize?: string;
  /** e.g. "bfloat16". */
  precision?: string;
  /** The catalog name llamagate uses for the license check. */
  catalogName?: string;
}

/** A descriptor as it appears in a manifest. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ModelArtifact {
  /** The config blob's exact bytes. */
  config: Buffer;
  configDescriptor: Descriptor;
  /** One descriptor per file, in path order (digest = the file's sha256). */
  layers: (Descriptor & { path: string })[];
  /** The manifest's exact bytes (what is pushed and what the digest covers). */
  manifest: Buffer;
  /** "sha256:<hex>" of the manifest. */
  manifestDigest: string;
}

/**
 * Describe a model folder as a CNCF ModelPack artifact: an OCI image manifest with `artifactType`
 * application/vnd.cncf.model.manifest.v1+json, a model config blob, and one `.raw` layer per file
 * (path in `org.cncf.model.filepath`), files in lexicographic order so the same folder gives the same
 * manifest. Pure: no I/O.
 */
export function buildModelArtifact(params: {
  /** The files, hashed. */
  files: readonly ArtifactFile[];
  /** What the model is. */
  model: ArtifactModelInfo;
  /** ISO time recorded as createdAt (pass a stable one for reproducible manifests). */
  createdAt: string;
}): ModelArtifact {
  const files = [...params.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (files.length === 0) throw new UsageError("The model folder has no files to push.", { code: "EMPTY_MODEL_DIR" });
  const layers = files.map((f) => ({
    path: f.path,
    mediaType: classifyModelFile(f.path),
    digest: `sha256:${f.sha256.toLowerCase()}`,
    size: f.size,
    annotations: { [ANNOTATION_FILEPATH]: f.path, [ANNOTATION_TITLE]: f.path },
  }));
  const m = params.model;
  const config = {
    descriptor: {
      createdAt: params.createdAt,
      name: m.name,
      ...(m.family ? { family: m.family } : {}),
      ...(m.licenseFamily ? { licenses: [`LicenseRef-${m.licenseFamily}`] } : {}),
    },
    config: {
      ...(m.format ? { format: m.format } : {}),
      ...(m.paramSize ? { paramSize: m.paramSize } : {}),
      ...(m.precision ? { precision: m.precision } : {}),
    },
    modelfs: { type: "layers", diffIds: layers.map((l) => l.digest) },
    llamagate: {
      version: 1,
      ...(m.catalogName ? { model: m.catalogName } : {}),
      ...(m.licenseFamily ? { licenseFamily: m.licenseFamily } : {}),
      files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256.toLowerCase() })),
    },
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDescriptor: Descriptor = {
    mediaType: MODEL_CONFIG,
    digest: sha256Digest(configBytes),
    size: configBytes.length,
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: MODEL_ARTIFACT,
    config: configDescriptor,
    layers: layers.map(({ path: _path, ...d }) => d),
    annotations: { "org.opencontainers.image.created": params.createdAt },
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    config: configBytes,
    configDescriptor,
    layers,
    manifest: manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
  };
}

function sha256Digest(b: Buffer): string {
  return `sha256:${createHash("sha256").update(b).digest("hex")}`;
}
