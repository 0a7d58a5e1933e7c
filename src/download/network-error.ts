import { LlamagateError } from "../core/errors.js";
import { TransferNetworkError } from "./errors.js";

/** Map undici / socket errors to a retryable TransferNetworkError with a URL-free reason. */
export function networkError(e: unknown, displayName: string, signal?: AbortSignal): unknown {
  if (e instanceof LlamagateError) return e;
  if (signal?.aborted) return e;
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  const reason =
    code === "UND_ERR_HEADERS_TIMEOUT"
      ? "no response headers in time"
      : code === "UND_ERR_BODY_TIMEOUT"
        ? "no data in time (stalled)"
        : code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE"
          ? "connection closed by the server"
          : code === "ECONNREFUSED"
            ? "connection refused"
            : code === "ENOTFOUND" || code === "EAI_AGAIN"
              ? "host name could not be resolved"
              : code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT"
                ? "connection timed out"
                : code
                  ? `network error (${code})`
                  : "network error";
  return new TransferNetworkError(displayName, reason, { cause: e });
}
