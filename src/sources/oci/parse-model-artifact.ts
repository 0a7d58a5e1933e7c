import { NotAModelArtifactError } from "./errors.js";
import {
  ANNOTATION_FILEPATH,
  ANNOTATION_FILEPATH_LEGACY,
  ANNOTATION_TITLE,
  MODEL_ARTIFACT,
  MODEL_CONFIG,
  OCI_MANIFEST,
} from "./media-types.js";

/** One layer to fetch: a file of the model. */
export interface ModelLayer {
  /** Relative "/"-separated path, checked: no absolute path, no "..", no empty or "." part. */
  path: string;
  digest: string;
  /** Hex sha256 (the digest without its prefix). */
  sha256: string;
  size: number;
  mediaType: string;
}

/** A validated ModelPack manifest. */
export interface ParsedModelManifest {
  configDigest: string;
  configSize: number;
  layers: ModelLayer[];
}

const DIGEST = /^sha256:([a-f0-9]{64})$/;
const LEGACY_ARTIFACT = "application/vnd.cnai.model.manifest.v1+json";
const LEGACY_CONFIG = "application/vnd.cnai.model.config.v1+json";

/**
 * Validate a manifest from a registry (untrusted bytes) as a ModelPack model artifact whose layers are
 * single raw files: every digest sha256, every size a safe integer, every file path relative and inside
 * the destination, no path twice and no file inside another file's path.
 */
export function parseModelManifest(bytes: Buffer, ref: string): ParsedModelManifest {
  const bad = (why: string) => new NotAModelArtifactError(`${ref} is not a model artifact llamagate can pull: ${why}.`);
  let m: {
    schemaVersion?: unknown;
    mediaType?: unknown;
    artifactType?: unknown;
    config?: Record<string, unknown>;
    layers?: unknown;
    manifests?: unknown;
  };
  try {
    m = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw bad("its manifest is not JSON");
  }
  if (typeof m !== "object" || m === null) throw bad("its manifest is not an object");
  if (m.manifests !== undefined) throw bad("it is an index (several manifests), not one model");
  if (m.schemaVersion !== 2) throw bad("manifest schemaVersion is not 2");
  if (m.mediaType !== undefined && m.mediaType !== OCI_MANIFEST)
    throw bad(`manifest media type ${String(m.mediaType)}`);
  const cfg = m.config;
  const cfgType = typeof cfg?.mediaType === "string" ? cfg.mediaType : "";
  const isModel =
    m.artifactType === MODEL_ARTIFACT ||
    m.artifactType === LEGACY_ARTIFACT ||
    cfgType === MODEL_CONFIG ||
    cfgType === LEGACY_CONFIG;
  if (!isModel) throw bad(`artifact type ${String(m.artifactType ?? cfgType ?? "none")} (expected ${MODEL_ARTIFACT})`);
  if (cfgType !== MODEL_CONFIG && cfgType !== LEGACY_CONFIG) throw bad(`config media type ${cfgType || "missing"}`);
  const configDigest = checkDigest(cfg?.digest, "config", bad);
  const configSize = checkSize(cfg?.size, "config", bad);
  if (!Array.isArray(m.layers)) throw bad("the manifest has no layers");
  const seen = new Set<string>();
  const layers: ModelLayer[] = [];
  for (const [i, l] of (m.layers as Record<string, unknown>[]).entries()) {
    if (typeof l !== "object" || l === null) throw bad(`layer ${i} is not an object`);
    const mediaType = typeof l.mediaType === "string" ? l.mediaType : "";
    const ann = (typeof l.annotations === "object" && l.annotations !== null ? l.annotations : {}) as Record<
      string,
      unknown
    >;
    const rawPath = ann[ANNOTATION_FILEPATH] ?? ann[ANNOTATION_FILEPATH_LEGACY] ?? ann[ANNOTATION_TITLE];
    if (typeof rawPath !== "string") throw bad(`layer ${i} has no ${ANNOTATION_FILEPATH} annotation`);
    if (!/\.raw$/.test(mediaType) && !/^application\/vnd\.cncf\.model\.[a-z.]+\.v1$/.test(mediaType)) {
      throw bad(`layer ${rawPath} is ${mediaType || "untyped"}; only single-file (.raw) layers are supported`);
    }
    const path = checkPath(rawPath, bad);
    const key = path.toLowerCase();
    if (seen.has(key)) throw bad(`the file path ${path} appears twice`);
    seen.add(key);
    const digest = checkDigest(l.digest, `layer ${path}`, bad);
    layers.push({ path, digest, sha256: digest.slice(7), size: checkSize(l.size, `layer ${path}`, bad), mediaType });
  }
  if (layers.length === 0) throw bad("the manifest has no layers");
  for (const l of layers) {
    const parts = l.path.toLowerCase().split("/");
    for (let k = 1; k < parts.length; k++)
      if (seen.has(parts.slice(0, k).join("/")))
        throw bad(`${l.path} would be inside the file ${parts.slice(0, k).join("/")}`);
  }
  return { configDigest, configSize, layers };
}

function checkDigest(v: unknown, what: string, bad: (w: string) => Error): string {
  if (typeof v !== "string" || !DIGEST.test(v)) throw bad(`${what} digest is not sha256:<64 hex>`);
  return v;
}

function checkSize(v: unknown, what: string, bad: (w: string) => Error): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    throw bad(`${what} size is not a whole number of bytes`);
  return v;
}

/** A relative path that cannot leave the destination folder. */
function checkPath(p: string, bad: (w: string) => Error): string {
  if (p.length === 0 || p.length > 4096) throw bad("a file path is empty or too long");
  if (p.includes("\\") || p.includes("\0") || /[\u0000-\u001f]/.test(p))
    throw bad(`the file path ${JSON.stringify(p)} has forbidden characters`);
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) throw bad(`the file path ${p} is absolute`);
  const parts = p.split("/");
  if (parts.some((s) => s === "" || s === "." || s === ".."))
    throw bad(`the file path ${p} has an empty, "." or ".." part`);
  return p;
}
