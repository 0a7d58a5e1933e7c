import type { CliContext } from "./context.js";
import { networkEngineOptions, type NetworkFlags } from "./network-options.js";
import { type EngineOptions } from "../index.js";

/** The transfer flags every `download` source shares, in the units users type. */
export interface EngineFlags extends NetworkFlags {
  /** --concurrency: files at once. */
  concurrency?: number;
  /** --parts: Range parts per large file. */
  parts?: number;
  /** --min-part-mb: smallest part, MiB. */
  minPartMb?: number;
  /** --stall-timeout: seconds without data before a retry. */
  stallTimeout?: number;
  /** --lock-wait: seconds to wait for another run's lock. */
  lockWait?: number;
}

/**
 * Map the shared download flags to the engine's options (bytes and milliseconds), with the CLI's abort signal, the
 * run's connection pool (proxy rules) and its --limit-rate cap.
 */
export function engineOptionsFromFlags(ctx: CliContext, flags: EngineFlags): EngineOptions {
  return {
    ...networkEngineOptions(ctx, flags),
    concurrency: flags.concurrency,
    partsPerFile: flags.parts,
    partMinBytes: flags.minPartMb === undefined ? undefined : flags.minPartMb * (1 << 20),
    stallTimeoutMs: flags.stallTimeout === undefined ? undefined : flags.stallTimeout * 1000,
    lockWaitMs: flags.lockWait === undefined ? undefined : flags.lockWait * 1000,
    signal: ctx.signal,
  };
}
