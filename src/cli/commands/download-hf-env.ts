/**
 * The CLI's view of the Hugging Face settings and the one credential lookup (src/credentials/hub-settings.ts), read
 * from the command's environment, plus the stdin token reader only the CLI has.
 */
import type { CliContext } from "../context.js";
import { UsageError, hubSettings, resolveHubToken, type HfEnvironment, type ResolvedToken } from "../../index.js";

export type { HfEnvironment };

export function hfEnvironment(ctx: CliContext): HfEnvironment {
  return hubSettings(ctx.env);
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
  return resolveHubToken({ explicit, env: ctx.env, settings: hf, signal: ctx.signal });
}
