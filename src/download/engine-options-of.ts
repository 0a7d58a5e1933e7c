import type { EngineOptions } from "./types.js";

/**
 * The engine options a source hands on to its transfers, as the caller gave them (`partsPerFile` defaults to 1).
 * `concurrency` is left to each source: its default differs (Meta one connection per file, the Hub 8, registries 4).
 */
export function engineOptionsOf(p: EngineOptions): Omit<EngineOptions, "concurrency"> {
  return {
    partsPerFile: p.partsPerFile ?? 1,
    partMinBytes: p.partMinBytes,
    dispatcher: p.dispatcher,
    rateLimiter: p.rateLimiter,
    retry: p.retry,
    stallTimeoutMs: p.stallTimeoutMs,
    lockWaitMs: p.lockWaitMs,
    signal: p.signal,
  };
}
