import { BundleError } from "./errors.js";

/** Name of the first member of every bundle. */
export const BUNDLE_MANIFEST_NAME = "llamagate-bundle.json";
/** A manifest larger than this is refused. */
export const MAX_BUNDLE_MANIFEST_BYTES = 16 << 20;

/** One file carried by a bundle. */
export interface BundleFile {
  /** Relative "/"-separated path inside the destination. */
  path: string;
  size: number;
  /** Lower-case hex sha256. */
  sha256: string;
}

/** The first member of a bundle: what it carries and the license acceptance it was packed under. */
export interface BundleManifest {
  format: "llamagate-bundle";
  version: 1;
  createdAt: string;
  /** Catalog name of the model, when known. */
  model: string | null;
  /** The Llama license family the model is under ("llama2", ...), null when none; absent in older bundles. */
  licenseFamily?: string | null;
  files: BundleFile[];
  /** The license acceptance record (an audit-log entry) the packing organisation made, or null. */
  license: Record<string, unknown> | null;
  /** A CycloneDX ML-BOM of the model (`pack --bom`), when packed with one. */
  bom?: Record<string, unknown>;
}

/** Check a relative member path: no absolute path, drive letter, backslash, NUL, empty, "." or ".." part. */
export function checkBundlePath(p: string): string | undefined {
  if (p.length === 0 || p.length > 4096) return "an empty or over-long path";
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return "an absolute path";
  if (p.includes("\\") || /[\u0000-\u001f]/.test(p)) return "a path with forbidden characters";
  const parts = p.replace(/\/$/, "").split("/");
  if (parts.includes("..")) return "a path with '..'";
  if (parts.some((s) => s === "" || s === ".")) return "a path with an empty or '.' part";
  return undefined;
}

/** Parse and validate a bundle manifest (untrusted bytes). */
export function parseBundleManifest(bytes: Buffer, bundle: string): BundleManifest {
  const bad = (why: string) => new BundleError("BUNDLE_MALFORMED", `${bundle}: the bundle manifest ${why}.`);
  let j: Partial<BundleManifest>;
  try {
    j = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw bad("is not JSON");
  }
  if (typeof j !== "object" || j === null || j.format !== "llamagate-bundle")
    throw bad("is not a llamagate bundle manifest");
  if (j.version !== 1) throw bad(`has version ${String(j.version)} (this llamagate reads version 1)`);
  if (!Array.isArray(j.files)) throw bad("lists no files");
  const seen = new Set<string>();
  for (const f of j.files) {
    if (typeof f !== "object" || f === null || typeof f.path !== "string") throw bad("has a file without a path");
    const why = checkBundlePath(f.path);
    if (why) throw bad(`lists ${why}: ${JSON.stringify(f.path)}`);
    if (f.path === BUNDLE_MANIFEST_NAME) throw bad(`lists its own name`);
    if (seen.has(f.path)) throw bad(`lists ${f.path} twice`);
    seen.add(f.path);
    if (!Number.isSafeInteger(f.size) || f.size < 0) throw bad(`gives ${f.path} a bad size`);
    if (typeof f.sha256 !== "string" || !/^[a-f0-9]{64}$/.test(f.sha256)) throw bad(`gives ${f.path} a bad sha256`);
  }
  return {
    format: "llamagate-bundle",
    version: 1,
    createdAt: typeof j.createdAt === "string" ? j.createdAt : "",
    model: typeof j.model === "string" ? j.model : null,
    ...(typeof j.licenseFamily === "string" || j.licenseFamily === null ? { licenseFamily: j.licenseFamily } : {}),
    files: j.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    license: typeof j.license === "object" && j.license !== null ? j.license : null,
    ...(typeof j.bom === "object" && j.bom !== null && !Array.isArray(j.bom) ? { bom: j.bom } : {}),
  };
}
