import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Below this many parameters one thread beats several (ggml's thread pool costs more than the work). */
const TINY_PARAMETERS = 20e6;

/** How many CPU threads inference uses by default, and why. */
export interface ThreadChoice {
  threads: number;
  /** CPUs this process may run on (os.availableParallelism()). */
  available: number;
  /** Physical cores (hyper-threads counted once), when the OS says; else undefined. */
  physicalCores: number | undefined;
  /** One line on how the number was chosen. */
  reason: string;
}

/**
 * The one default for inference threads (smoke test, setup, demo, provision, library): the CPUs this
 * process may use, but not more than the physical cores (a second hyper-thread per core slows
 * llama.cpp's matmuls down), and 1 for tiny models. `cpuinfo` is for tests.
 */
export function defaultThreads(
  params: { parameters?: number; cpuinfo?: string; available?: number } = {},
): ThreadChoice {
  const available = params.available ?? availableParallelism();
  const physicalCores = countPhysicalCores(params.cpuinfo);
  if (params.parameters !== undefined && params.parameters < TINY_PARAMETERS) {
    return { threads: 1, available, physicalCores, reason: "1 for a model under 20M parameters" };
  }
  const threads = Math.max(1, Math.min(available, physicalCores ?? available));
  const reason =
    physicalCores !== undefined && physicalCores < available
      ? `${threads}: the physical cores (${available} CPUs available)`
      : `${threads}: the CPUs available to this process`;
  return { threads, available, physicalCores, reason };
}

/** Distinct (physical id, core id) pairs in /proc/cpuinfo (Linux); undefined elsewhere. */
function countPhysicalCores(cpuinfo?: string): number | undefined {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/cpuinfo", "utf8");
    } catch {
      return undefined;
    }
  }
  const cores = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const pkg = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (core !== undefined) cores.add(`${pkg ?? 0}:${core}`);
  }
  return cores.size > 0 ? cores.size : undefined;
}
