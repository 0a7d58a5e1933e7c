import type { Command } from "commander";
import type { Dispatcher } from "undici";
import type { CliContext } from "./context.js";
import { parseRateFlag } from "./rate-flag.js";
import { createDispatcher, createRateLimiter, type RateLimiter } from "../index.js";

/** The network flags as commander parses them. */
export interface NetworkFlags {
  /** --proxy URL: every request through this proxy (HTTPS_PROXY/HTTP_PROXY otherwise; NO_PROXY applies). */
  proxy?: string;
  /** --limit-rate RATE, in bytes per second: one cap for the whole run. */
  limitRate?: number;
}

/** `--proxy <url>`'s help line. */
export const PROXY_HELP =
  "send every request through this HTTP proxy (http://[user:pass@]host:port; default: HTTPS_PROXY / HTTP_PROXY, minus NO_PROXY)";
/** `--limit-rate <rate>`'s help line. */
export const LIMIT_RATE_HELP =
  "cap the whole run's download speed, bytes per second with K/M/G (e.g. 500K, 10M), shared by every connection";

/**
 * Add `--proxy URL` (and, for commands that transfer weights, `--limit-rate RATE`) to a command. Map them with
 * networkEngineOptions().
 */
export function networkOptions<C extends Command>(cmd: C, opts: { limitRate: boolean }): C {
  cmd.option("--proxy <url>", PROXY_HELP);
  if (opts.limitRate) cmd.option("--limit-rate <rate>", LIMIT_RATE_HELP, parseRateFlag);
  return cmd;
}

/**
 * The run's connection pool (proxy rules read from the command's environment and --proxy) and, with
 * --limit-rate, its one bandwidth cap: handed to every library call of the command.
 */
export function networkEngineOptions(
  ctx: CliContext,
  flags: NetworkFlags,
): { dispatcher: Dispatcher; rateLimiter?: RateLimiter } {
  const dispatcher = createDispatcher({
    proxy: flags.proxy,
    env: ctx.env,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connections: 64,
  });
  return {
    dispatcher,
    ...(flags.limitRate ? { rateLimiter: createRateLimiter({ bytesPerSecond: flags.limitRate }) } : {}),
  };
}
