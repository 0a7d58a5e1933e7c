import { fstatSync } from "node:fs";
import type { CliContext } from "./context.js";
import { InterruptedError, UsageError } from "../index.js";

export interface ReadSecretParams {
  ctx: CliContext;
  /**
   * "stdin": the user passed "-" (the first line of piped stdin; on a terminal the hidden prompt); "auto": piped
   * stdin, else a hidden prompt on a TTY.
   */
  from: "stdin" | "auto";
  /** Prompt text, e.g. "Paste the download URL from Meta's email". */
  message: string;
  /** Error when there is no way to ask, naming the flag to pass. */
  missing: { message: string; hint: string };
}

/**
 * Read a secret without it touching argv, the shell history or the screen: the first line of piped stdin, or a
 * prompt that echoes nothing. Without a TTY and without piped input it throws the `missing` usage error.
 */
export async function readSecret({ ctx, from, message, missing }: ReadSecretParams): Promise<string> {
  // "-" on a terminal means "ask me": the hidden prompt below (no echo, ends at Enter), never a wait for Ctrl-D.
  if ((from === "stdin" && !ctx.stdin.isTTY) || stdinIsPipedData(ctx)) {
    const text = await readFirstLine(ctx.stdin);
    if (text === "") throw new UsageError(`Nothing was read from stdin. ${missing.message}`, { hint: missing.hint });
    return text;
  }
  if (ctx.stdin.isTTY && ctx.stderr.isTTY) {
    try {
      // The prompt library loads only when a prompt is shown (start-up of every command stays light).
      const { password } = await import("@inquirer/prompts");
      const value = await password(
        { message, mask: false },
        { input: ctx.stdin, output: ctx.stderr as NodeJS.WritableStream, signal: ctx.signal, clearPromptOnDone: true },
      );
      if (value.trim() === "") throw new UsageError(missing.message, { hint: missing.hint });
      return value.trim();
    } catch (e) {
      if (e instanceof Error && (e.name === "ExitPromptError" || e.name === "AbortPromptError"))
        throw new InterruptedError("Cancelled at the prompt.", {
          hint: "Nothing was sent or kept: run the same command again.",
        });
      throw e;
    }
  }
  throw new UsageError(missing.message, { hint: missing.hint });
}

/**
 * Shell pipes and file redirects (`echo $URL | llamagate ...`, `< url.txt`); never an inherited socket that may
 * never end.
 */
function stdinIsPipedData(ctx: CliContext): boolean {
  if (ctx.stdin !== process.stdin || ctx.stdin.isTTY) return false;
  try {
    const st = fstatSync(0);
    return st.isFIFO() || (st.isFile() && st.size > 0);
  } catch {
    return false;
  }
}

/** The first non-empty line of a stream, trimmed; stops reading at its newline (or after 64 KiB). */
async function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) {
    text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
    const line = text
      .split(/\r?\n/)
      .slice(0, -1)
      .find((l) => l.trim() !== "");
    if (line !== undefined) return line.trim();
    // A URL is a few hundred bytes; stop reading a huge stream early.
    if (text.length > 64 * 1024) break;
  }
  return (
    text
      .split(/\r?\n/)
      .find((l) => l.trim() !== "")
      ?.trim() ?? ""
  );
}
