/**
 * Hugging Face settings from the environment, as huggingface_hub reads them, plus llamagate's own
 * credential settings. Shared by login, logout, whoami and download --source hf (only cli/ reads env).
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../core/errors.js";
import { createFileStore } from "../../credentials/create-file-store.js";
import { createKeychainStore } from "../../credentials/create-keychain-store.js";
import { readStoredToken } from "../../credentials/read-stored-token.js";
import { resolveToken, type ResolvedToken } from "../../credentials/resolve-token.js";
import type { SecretStore } from "../../credentials/secret-store.js";
import type { StoreMode } from "../../credentials/store-token.js";
import type { CliContext } from "../context.js";

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

export function hfEnvironment(ctx: CliContext): HfEnvironment {
  const env = ctx.env;
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

/** Read a token piped on stdin (--token-stdin): the first line, trimmed. Refuses a terminal (it would echo). */
export async function readTokenFromStdin(ctx: CliContext): Promise<string> {
  if (ctx.stdin.isTTY)
    throw new UsageError("--token-stdin reads a piped token, but stdin is a terminal.", {
      hint: 'Pipe it: `printf %s "$TOKEN" | llamagate login --token-stdin`, or run `llamagate login` to be prompted.',
    });
  const chunks: Buffer[] = [];
  for await (const c of ctx.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  const token =
    Buffer.concat(chunks)
      .toString("utf8")
      .split(/\r?\n/)
      .find((l) => l.trim())
      ?.trim() ?? "";
  if (!token) throw new UsageError("--token-stdin was given but stdin held no token.");
  return token;
}

/**
 * The token for a Hub call, in llamagate's lookup order (flags, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, stored, hf's file).
 */
export async function resolveCliToken(
  ctx: CliContext,
  hf: HfEnvironment,
  opts: { token?: string; tokenStdin?: boolean },
): Promise<ResolvedToken | undefined> {
  const explicit: ResolvedToken | undefined = opts.tokenStdin
    ? { token: await readTokenFromStdin(ctx), source: "--token-stdin" }
    : opts.token
      ? { token: opts.token, source: "--token" }
      : undefined;
  return resolveToken({
    explicit,
    hfToken: ctx.env.HF_TOKEN,
    huggingFaceHubToken: ctx.env.HUGGING_FACE_HUB_TOKEN,
    readStored: () => readStoredToken({ keychain: hf.keychain, file: hf.file, mode: hf.storeMode, signal: ctx.signal }),
    hfTokenPath: hf.hfTokenPath,
  });
}
