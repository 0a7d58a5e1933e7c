import type { CliContext } from "../context.js";
import { canAnimate, logLine, terminalLine } from "../output.js";
import { escapeControl } from "../escape-control.js";
import { fitProgressLine, type ProgressRow } from "./fit-progress-line.js";

/** The one progress renderer every command draws with (downloads from both sources, verify, convert, smoke test). */
export interface ProgressDisplay {
  /** Whether rows are redrawn in place (a terminal that can animate) rather than printed as plain lines. */
  readonly animated: boolean;
  /**
   * New state. On a terminal: the rows are redrawn (at most ~8 times a second). Elsewhere (a pipe, CI, `--json`
   * runs): `plain` is printed as one line on stderr at most every `intervalMs`.
   */
  update(rows: ProgressRow[], plain?: string): void;
  /** A wait without byte counts (Hub API calls, hashing): a spinner line on a terminal; undefined removes it. */
  spin(text: string | undefined): void;
  /** Print a whole line above the bars (never torn or cut; control characters escaped). */
  log(line: string): void;
  /** Print on stdout without tearing the bars (a result line). */
  around(write: () => void): void;
  /** Remove the bars and the spinner. Idempotent; call it in a finally. Ctrl-C (ctx.signal) calls it too. */
  stop(): void;
}

export interface ProgressDisplayOptions {
  /** Plain mode: least time between two progress lines, in ms. @default 5000 */
  intervalMs?: number;
  /** Clock (tests). */
  now?: () => number;
  /** Plain lines even on a terminal (`--json` runs: nothing is redrawn). */
  plain?: boolean;
}

const FRAMES = ["|", "/", "-", "\\"];

/**
 * Draw progress on stderr. On a terminal (`canAnimate`) the rows are kept below the log lines and redrawn in place
 * with cursor-up and erase-down only: autowrap is never turned off, every row is laid out to fit the terminal's
 * width (fitProgressLine), and log lines are printed whole above the rows. No colours (so NO_COLOR holds trivially).
 */
export function createProgressDisplay(ctx: CliContext, opts: ProgressDisplayOptions = {}): ProgressDisplay {
  const now = opts.now ?? (() => Date.now());
  const animated = canAnimate(ctx) && !opts.plain;
  const err = ctx.stderr;
  let rows: ProgressRow[] = [];
  let spinText: string | undefined;
  let frame = 0;
  let drawn = 0;
  let lastDraw = -Infinity;
  let trailing: NodeJS.Timeout | undefined;
  let lastPlain = now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const erase = () => {
    if (drawn > 0) err.write(`\x1b[${drawn}A\r\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    if (!animated || stopped) return;
    const columns = err.columns ?? 80;
    const lines = rows.map((r) => fitProgressLine(r, columns));
    if (spinText !== undefined)
      lines.push(`${FRAMES[frame++ % FRAMES.length]} ${escapeControl(spinText)}`.slice(0, Math.max(10, columns - 1)));
    const clear = drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : "";
    err.write(clear + lines.map((l) => `${l}\n`).join(""));
    drawn = lines.length;
    lastDraw = now();
  };
  const onAbort = () => stop();
  ctx.signal.addEventListener("abort", onAbort, { once: true });

  function stop() {
    if (stopped) return;
    if (timer) clearInterval(timer);
    if (trailing) clearTimeout(trailing);
    erase();
    stopped = true;
    ctx.signal.removeEventListener("abort", onAbort);
  }

  return {
    animated,
    update(next, plain) {
      if (stopped) return;
      rows = next;
      if (animated) {
        if (now() - lastDraw >= 120) draw();
        else if (!trailing) {
          // The last update before a pause (a stalled transfer, a held request) must still reach the screen.
          trailing = setTimeout(() => {
            trailing = undefined;
            if (!stopped) draw();
          }, 120);
          trailing.unref();
        }
      } else if (plain !== undefined && now() - lastPlain >= (opts.intervalMs ?? 5000)) {
        lastPlain = now();
        logLine(ctx, plain);
      }
    },
    spin(text) {
      if (!animated || stopped) return;
      spinText = text;
      if (text !== undefined && !timer) {
        timer = setInterval(draw, 120);
        timer.unref();
      } else if (text === undefined && timer) {
        clearInterval(timer);
        timer = undefined;
      }
      draw();
    },
    log(line) {
      if (!animated || stopped) return logLine(ctx, line);
      erase();
      err.write(terminalLine(line));
      draw();
    },
    around(write) {
      if (!animated || stopped) return write();
      erase();
      write();
      draw();
    },
    stop,
  };
}
