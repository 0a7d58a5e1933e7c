import type { CliContext } from "./context.js";
import { escapeControl } from "./escape-control.js";
import { roundDurations } from "./round-durations.js";

/** One line as the terminal will show it: control characters escaped, one trailing newline. */
export function terminalLine(line: string): string {
  return `${escapeControl(line.endsWith("\n") ? line.slice(0, -1) : line)}\n`;
}

/**
 * Write one line of human-facing text to stderr (stdout is reserved for results and --json). Control characters
 * in it (from file names, tensor names, server messages) are escaped: one call prints exactly one line.
 */
export function logLine(ctx: CliContext, line: string): void {
  ctx.stderr.write(terminalLine(line));
}

/** Write a result line to stdout (control characters escaped, like logLine). */
export function printLine(ctx: CliContext, line: string): void {
  ctx.stdout.write(terminalLine(line));
}

/**
 * The single JSON object a `--json` run prints, on stdout, durations rounded to milliseconds (roundDurations).
 * JSON.stringify escapes C0 controls; DEL and C1 controls (which some terminals act on) are escaped too, so that
 * `--json` output is safe to show as well.
 */
export function printJson(ctx: CliContext, value: unknown): void {
  const text = JSON.stringify(roundDurations(value), null, 2).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  ctx.stdout.write(`${text}\n`);
}

/**
 * Whether spinners and redrawn bars may be drawn on stderr. ora loops forever on a TTY that
 * reports 0 columns, so a 0-column terminal counts as "no TTY"; CI never animates.
 */
export function canAnimate(ctx: CliContext): boolean {
  const s = ctx.stderr;
  return Boolean(s.isTTY) && (s.columns ?? 0) > 0 && !ctx.env.CI && ctx.env.TERM !== "dumb";
}
