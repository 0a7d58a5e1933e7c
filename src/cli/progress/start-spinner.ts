import type { CliContext } from "../context.js";
import { createProgressDisplay } from "./create-progress-display.js";

/** A spinner line on the one progress display (nothing is drawn when stderr is not a terminal). */
export function startSpinner(ctx: CliContext, text: string) {
  const display = createProgressDisplay(ctx);
  display.spin(text);
  return {
    setText: (t: string) => display.spin(t),
    around: (write: () => void) => display.around(write),
    stop: () => display.stop(),
  };
}
