import { LlamagateError } from "../errors.js";

/**
 * The error for a proxy that refused to open a tunnel (undici's "Proxy response (407) !== 200 when HTTP
 * Tunneling"), or undefined when `e` is something else: 407 (the proxy wants other credentials) is an access
 * error that no retry can fix; other answers (502 when the proxy cannot reach the host...) are network errors,
 * retried. The proxy's address and credentials are never in the message.
 */
export function proxyRefusal(e: unknown, target: string): LlamagateError | undefined {
  const m = /^Proxy response \((\d{3})\) !== 200/.exec((e as Error | undefined)?.message ?? "");
  if (!m) return undefined;
  const status = Number(m[1]);
  if (status === 407) {
    return new LlamagateError(
      "PROXY_AUTH",
      "access",
      `The proxy refused its credentials (HTTP 407) while connecting to ${target}.`,
      {
        hint: "Check the user and password in --proxy or HTTPS_PROXY / HTTP_PROXY (http://user:pass@host:port; percent-encode special characters), or set NO_PROXY for hosts to reach directly.",
        cause: e,
      },
    );
  }
  return new LlamagateError(
    "PROXY_ERROR",
    "network",
    `The proxy answered HTTP ${status} while connecting to ${target}.`,
    {
      hint: "The proxy could not reach that host: check the proxy's access rules, or set NO_PROXY for hosts to reach directly.",
      cause: e,
    },
  );
}
