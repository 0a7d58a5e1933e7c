import { EXIT_CODES, exitCodeForCategory, isLlamagateError, redactText } from "../index.js";

export interface RenderedError {
  exitCode: number;
  /** One line for humans: message, then the hint. */
  line: string;
  /** The object a --json run prints. */
  json: { ok: false; error: { code: string; category: string; message: string; hint?: string; details?: unknown } };
}

/** Turn any thrown value into the one-line message, exit code and JSON the CLI shows. Always redacted. */
export function renderError(e: unknown): RenderedError {
  if (isLlamagateError(e)) {
    const message = redactText(e.message);
    const hint = e.hint === undefined ? undefined : redactText(e.hint);
    return {
      exitCode: exitCodeForCategory(e.category),
      line: `error: ${message}${hint ? ` ${hint}` : ""}`,
      json: {
        ok: false,
        error: {
          code: e.code,
          category: e.category,
          message,
          ...(hint ? { hint } : {}),
          ...(e.details ? { details: e.details } : {}),
        },
      },
    };
  }
  const message = redactText(e instanceof Error ? e.message : String(e));
  return {
    exitCode: EXIT_CODES.internal,
    line: `error: internal error: ${message} (this is a bug in llamagate; please report it)`,
    json: { ok: false, error: { code: "INTERNAL", category: "internal", message } },
  };
}
