import ora from "ora";
import type { CliContext } from "./context.js";
import { canAnimate } from "./output.js";

export interface Spinner {
  /** Change the text next to the spinner. */
  setText(text: string): void;
  /** Write something (e.g. a result line on stdout) without tearing the spinner's line. */
  around(write: () => void): void;
  stop(): void;
}

/**
 * A spinner on stderr for waits with no byte progress (Hub API calls, hashing). Only where canAnimate()
 * allows: ora loops forever on a terminal reporting 0 columns, and CI logs want no redraws. Elsewhere
 * every method is a no-op and the command's plain log lines tell the story.
 */
export function startSpinner(ctx: CliContext, text: string): Spinner {
  if (!canAnimate(ctx)) return { setText() {}, around: (write) => write(), stop() {} };
  // discardStdin: false, so that ora never touches stdin (it may carry a URL or token).
  const s = ora({ text, stream: ctx.stderr, isEnabled: true, discardStdin: false }).start();
  return {
    setText: (t) => {
      s.text = t;
    },
    around: (write) => {
      s.clear();
      write();
      s.render();
    },
    stop: () => {
      if (s.isSpinning) s.stop();
    },
  };
}
