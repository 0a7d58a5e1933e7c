import { UnsafeRepoPathError } from "./errors.js";

/**
 * Accept only plain relative POSIX paths from a listing: no "..", ".", empty segments, leading "/",
 * backslashes, drive letters or control characters. Anything else could write outside the destination.
 */
export function checkRepoPath(path: string): string {
  const segments = path.split("/");
  const bad =
    path.length === 0 ||
    path.length > 4096 ||
    path.startsWith("/") ||
    path.includes("\\") ||
    /^[A-Za-z]:/.test(path) ||
    /[\x00-\x1f\x7f]/.test(path) ||
    segments.some((s) => s === "" || s === "." || s === "..");
  if (bad) throw new UnsafeRepoPathError(path);
  return path;
}
