import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The compiled module a worker thread or child process runs, `rel` inside the build (e.g. "verify/hash-worker.js").
 * From dist/ that is the file beside the caller's; from src/ (vitest runs the TypeScript sources, and Node 20 cannot
 * start a .ts worker) it is the build's copy in dist/, which `npm test` makes first.
 */
export function workerModuleUrl(rel: string): URL {
  const tree = new URL("../", import.meta.url); // <package>/dist/ or <package>/src/
  const here = new URL(rel, tree);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL(`../dist/${rel}`, tree);
}
