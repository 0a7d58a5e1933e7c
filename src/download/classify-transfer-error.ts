import { LlamagateError } from "../core/errors.js";
import { HttpStatusError, TransferNetworkError } from "./errors.js";

/** Whether a failed transfer attempt is worth another try (408/429/5xx, connection errors, stalls). */
export function classifyTransferError(e: unknown): { retry: boolean; reason: string; retryAfterMs?: number } {
  if (e instanceof HttpStatusError) {
    const s = e.status;
    return { retry: s === 408 || s === 429 || s >= 500, reason: `HTTP ${s}`, retryAfterMs: e.retryAfterMs };
  }
  if (e instanceof TransferNetworkError) return { retry: true, reason: e.reason };
  // A redirect loop or a redirect to another protocol will not fix itself.
  if (e instanceof LlamagateError)
    return { retry: e.category === "network" && e.code !== "BAD_REDIRECT", reason: e.code };
  return { retry: false, reason: "error" };
}
