import type { CliContext } from "./context.js";

/** Write one line of human-facing text to stderr (stdout is reserved for results and --json). */
export function logLine(ctx: CliContext, line: string): void {
  ctx.stderr.write(line.endsWith("\n") ? line : `${line}\n`);
}

/** Write a result line to stdout. */
export function printLine(ctx: CliContext, line: string): void {
  ctx.stdout.write(line.endsWith("\n") ? line : `${line}\n`);
}

/** The single JSON object a `--json` run prints, on stdout. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Whether spinners and redrawn bars may be drawn on stderr. ora loops forever on a TTY that
 * reports 0 columns, so a 0-column terminal counts as "no TTY"; CI never animates.
 */
export function canAnimate(ctx: CliContext): boolean {
  const s = ctx.stderr;
  return Boolean(s.isTTY) && (s.columns ?? 0) > 0 && !ctx.env.CI && ctx.env.TERM !== "dumb";
}

/** Whether colours are allowed (https://no-color.org). */
export function useColor(ctx: CliContext): boolean {
  return Boolean(ctx.stderr.isTTY) && ctx.env.NO_COLOR === undefined;
}
