import type { Dispatcher } from "undici";
import type { HfEnvironment } from "./commands/download-hf-env.js";
import type { CliContext } from "./context.js";
import { logLine } from "./output.js";
import { checkTokenShape, fetchWhoami, storeToken, type StoredToken, type WhoamiInfo } from "../index.js";

export interface HfLogin {
  who: WhoamiInfo;
  stored: StoredToken;
}

/**
 * What `llamagate login` does with a token, for `login` and the setup wizard alike: check its shape, ask the Hub
 * who it belongs to (whoami-v2), keep it in the keychain (or the 0600 file), and say on stderr where it went when
 * there was no usable keychain, when HF_TOKEN shadows it, and when a fine-grained token cannot read gated repos.
 * The token itself is never printed.
 */
export async function storeHfLogin(
  ctx: CliContext,
  hf: HfEnvironment,
  raw: string,
  tokenSource: string,
  /** Where the notices go (default: a line on stderr); the wizard shows them after its prompt closes. */
  say: (line: string) => void = (line) => logLine(ctx, line),
  /** The run's connection pool (proxy settings); default: the library's. */
  dispatcher?: Dispatcher,
): Promise<HfLogin> {
  const token = checkTokenShape(raw);
  const who = await fetchWhoami({
    ...(dispatcher ? { dispatcher } : {}),
    endpoint: hf.endpoint,
    token,
    tokenSource,
    signal: ctx.signal,
  });
  const stored = await storeToken({
    token,
    keychain: hf.keychain,
    file: hf.file,
    mode: hf.storeMode,
    signal: ctx.signal,
  });
  if (stored.fallbackReason) {
    say(
      `notice: no usable system keychain (${stored.fallbackReason.replace(/\.$/, "")}); the token is stored in ${stored.location}, readable only by you.`,
    );
  }
  const shadowedBy = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"].find((v) => ctx.env[v]?.trim());
  if (shadowedBy) say(`warning: ${shadowedBy} is set and takes precedence over the stored token.`);
  if (who.role === "fineGrained" && who.canReadGatedRepos === false) {
    say(
      'warning: this fine-grained token cannot read gated repos (Llama models are gated): tick "Read access to contents of all public gated repos you can access" in its settings.',
    );
  }
  return { who, stored };
}
