import { posix } from "node:path";
import type { ReadEntry } from "tar";
import type { ErrorCode } from "../../core/error-codes.js";
import { reservedNameReason } from "../../core/fs/reserved-name-reason.js";
import { BUNDLE_MANIFEST_NAME, checkBundlePath, type BundleManifest } from "./bundle-manifest.js";
import type { BundleError } from "./errors.js";

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);

/** Makes the bundle's refusal for a reason (the caller's message prefix: the bundle's name). */
export type BundleRefusal = (code: ErrorCode, why: string) => BundleError;

/**
 * Why a bundle member may not be extracted, whatever its place in the archive: a path leaving the destination, a
 * reserved name, a link (escaping or not), a device or other special file. Undefined for a folder or a regular
 * file; the order of the checks decides which refusal a member with several faults gets.
 */
export function bundleMemberRefusal(e: ReadEntry, path: string, fail: BundleRefusal): BundleError | undefined {
  const why = checkBundlePath(path);
  if (why) return fail("BUNDLE_UNSAFE_PATH", `member ${JSON.stringify(e.path)} has ${why}`);
  const reserved = path === BUNDLE_MANIFEST_NAME ? undefined : reservedNameReason(path);
  if (reserved) return fail("BUNDLE_RESERVED_NAME", `member ${path}: ${reserved}`);
  if (e.type === "SymbolicLink" || e.type === "Link") {
    const link = e.type === "Link" ? "hard link" : "symlink";
    const target = e.linkpath ?? "";
    const resolved =
      e.type === "SymbolicLink" ? posix.normalize(posix.join(posix.dirname(path), target)) : posix.normalize(target);
    return target.startsWith("/") || resolved === ".." || resolved.startsWith("../")
      ? fail("BUNDLE_LINK_ESCAPE", `member ${path} is a ${link} pointing outside the destination (${target})`)
      : fail("BUNDLE_LINK", `member ${path} is a ${link}; bundles carry regular files only`);
  }
  if (e.type === "Directory" || FILE_TYPES.has(e.type)) return undefined;
  return fail("BUNDLE_SPECIAL_FILE", `member ${path} is a ${e.type}; bundles carry regular files only`);
}

/** A manifest listing a file under a reserved name (CON, a trailing dot...) is refused before anything is written. */
export function manifestNameRefusal(manifest: BundleManifest, fail: BundleRefusal): BundleError | undefined {
  for (const f of manifest.files) {
    const reserved = reservedNameReason(f.path);
    if (reserved) return fail("BUNDLE_RESERVED_NAME", `file ${f.path} of the manifest: ${reserved}`);
  }
  return undefined;
}
