/**
 * Hugging Face settings from the environment, as huggingface_hub reads them, plus llamagate's own credential
 * settings: one home for the CLI (login, logout, whoami, download, setup, provision) and the library.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../core/errors.js";
import { createFileStore } from "./create-file-store.js";
import { createKeychainStore } from "./create-keychain-store.js";
import { readStoredToken } from "./read-stored-token.js";
import { resolveToken, type ResolvedToken } from "./resolve-token.js";
import type { SecretStore } from "./secret-store.js";
import type { StoreMode } from "./store-token.js";

export interface HfEnvironment {
  /** HF_ENDPOINT, default https://huggingface.co (no trailing slash). */
  endpoint: string;
  /** HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
  hfHome: string;
  /** HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub. */
  cacheDir: string;
  /** HF_TOKEN_PATH, else $HF_HOME/token (the file `hf auth login` writes). */
  hfTokenPath: string;
  /** HF_HUB_DISABLE_SYMLINKS is truthy: snapshot files are copies, not symlinks. */
  disableSymlinks: boolean;
  /** HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE is truthy. */
  offline: boolean;
  /** LLAMAGATE_CONFIG_DIR, else $XDG_CONFIG_HOME/llamagate, else ~/.config/llamagate. */
  configDir: string;
  /** LLAMAGATE_CREDENTIAL_STORE: auto (keychain, file fallback), keychain or file. */
  storeMode: StoreMode;
  keychain: SecretStore;
  file: SecretStore;
}

const TRUTHY = new Set(["1", "true", "yes", "on"]);

export function hubSettings(env: NodeJS.ProcessEnv = process.env): HfEnvironment {
  const home = env.HOME || homedir();
  const hfHome = env.HF_HOME || join(env.XDG_CACHE_HOME || join(home, ".cache"), "huggingface");
  const configDir = env.LLAMAGATE_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(home, ".config"), "llamagate");
  const mode = (env.LLAMAGATE_CREDENTIAL_STORE || "auto").toLowerCase();
  if (mode !== "auto" && mode !== "keychain" && mode !== "file") {
    throw new UsageError(`LLAMAGATE_CREDENTIAL_STORE must be auto, keychain or file (got "${mode}").`);
  }
  const endpoint = (env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, "");
  if (!/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(endpoint) || !URL.canParse(endpoint)) {
    throw new UsageError(`HF_ENDPOINT must be an http(s) URL (got "${endpoint.slice(0, 100)}").`, {
      hint: "Unset it to use https://huggingface.co, or set it to your mirror's base URL.",
    });
  }
  return {
    endpoint,
    hfHome,
    cacheDir: env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome, "hub"),
    hfTokenPath: env.HF_TOKEN_PATH || join(hfHome, "token"),
    disableSymlinks: TRUTHY.has((env.HF_HUB_DISABLE_SYMLINKS ?? "").toLowerCase()),
    offline:
      TRUTHY.has((env.HF_HUB_OFFLINE ?? "").toLowerCase()) ||
      TRUTHY.has((env.TRANSFORMERS_OFFLINE ?? "").toLowerCase()),
    configDir,
    storeMode: mode,
    keychain: createKeychainStore({}),
    file: createFileStore({ configDir }),
  };
}

/**
 * The one credential lookup for a Hub call, first found wins: the caller's explicit token (a flag), HF_TOKEN,
 * HUGGING_FACE_HUB_TOKEN, the token `llamagate login` stored (keychain, then file), the file `hf auth login` writes.
 */
export async function resolveHubToken(
  p: { explicit?: ResolvedToken; env?: NodeJS.ProcessEnv; settings?: HfEnvironment; signal?: AbortSignal } = {},
): Promise<ResolvedToken | undefined> {
  const env = p.env ?? process.env;
  const hf = p.settings ?? hubSettings(env);
  return resolveToken({
    explicit: p.explicit,
    hfToken: env.HF_TOKEN,
    huggingFaceHubToken: env.HUGGING_FACE_HUB_TOKEN,
    readStored: () => readStoredToken({ keychain: hf.keychain, file: hf.file, mode: hf.storeMode, signal: p.signal }),
    hfTokenPath: hf.hfTokenPath,
  });
}
