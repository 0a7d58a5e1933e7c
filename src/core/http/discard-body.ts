import type { Readable } from "node:stream";

/** Throw a response body away without an unhandled 'error' event (destroy emits one in undici). */
export function discardBody(body: Readable): void {
  body.on("error", () => {});
  body.destroy();
}
