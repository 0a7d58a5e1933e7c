import type { CliContext } from "./context.js";
import { createProgressDisplay } from "./progress/create-progress-display.js";

export interface Spinner {
  /** Change the text next to the spinner. */
  setText(text: string): void;
  /** Write something (e.g. a result line on stdout) without tearing the spinner's line. */
  around(write: () => void): void;
  stop(): void;
}

/**
 * A spinner on stderr for waits with no byte progress (Hub API calls), drawn by the one progress display: only
 * where it can animate (a terminal with columns, not CI, not TERM=dumb), in plain characters (no colour, so
 * NO_COLOR holds). Elsewhere every method is a no-op and the command's plain log lines tell the story.
 */
export function startSpinner(ctx: CliContext, text: string): Spinner {
  const display = createProgressDisplay(ctx);
  display.spin(text);
  return { setText: (t) => display.spin(t), around: (write) => display.around(write), stop: () => display.stop() };
}
