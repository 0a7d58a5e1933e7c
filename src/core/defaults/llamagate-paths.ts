/**
 * llamagate's folders, one home for the CLI and the library alike (a library call without `auditLogPath` or
 * `cacheDir` uses the same places the CLI does). Each takes the environment to read, defaulting to this process's.
 */
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * llamagate's data folder: $LLAMAGATE_DATA_DIR, else $XDG_STATE_HOME/llamagate, else
 * ~/.local/state/llamagate (XDG base-directory spec: state that persists between runs).
 */
export function llamagateDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LLAMAGATE_DATA_DIR) return env.LLAMAGATE_DATA_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, "llamagate");
  return join(env.HOME || homedir(), ".local", "state", "llamagate");
}

/** The append-only license acceptance log inside the data folder. */
export function licenseAuditLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(llamagateDataDir(env), "license-audit.jsonl");
}

/** Where GGUFs converted from model folders for the smoke test are cached. */
export function ggufCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(llamagateDataDir(env), "gguf-cache");
}
