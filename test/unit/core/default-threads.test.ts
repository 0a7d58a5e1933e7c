import { describe, expect, it } from "vitest";
import { defaultThreads } from "../../../src/core/default-threads.js";

/** /proc/cpuinfo with one block per logical CPU: [physical id, core id]. */
const cpuinfo = (cpus: [number, number][]) =>
  cpus.map(([p, c], i) => `processor\t: ${i}\nphysical id\t: ${p}\ncore id\t\t: ${c}\n`).join("\n");

describe("defaultThreads", () => {
  it("2 cores, 2 CPUs (this machine's shape): 2 threads, not llama.cpp's 4", () => {
    const t = defaultThreads({
      parameters: 67.6e6,
      cpuinfo: cpuinfo([
        [0, 0],
        [0, 1],
      ]),
      available: 2,
    });
    expect(t).toMatchObject({ threads: 2, available: 2, physicalCores: 2 });
  });

  it("hyper-threads count once: 4 CPUs on 2 cores is 2 threads", () => {
    const t = defaultThreads({
      parameters: 7e9,
      cpuinfo: cpuinfo([
        [0, 0],
        [0, 1],
        [0, 0],
        [0, 1],
      ]),
      available: 4,
    });
    expect(t.threads).toBe(2);
    expect(t.reason).toMatch(/physical cores/);
  });

  it("two sockets with the same core ids are different cores", () => {
    expect(
      defaultThreads({
        cpuinfo: cpuinfo([
          [0, 0],
          [1, 0],
        ]),
        available: 2,
      }).threads,
    ).toBe(2);
  });

  it("an affinity mask smaller than the cores wins; tiny models get 1; no cpuinfo falls back to the CPUs", () => {
    expect(
      defaultThreads({
        cpuinfo: cpuinfo([
          [0, 0],
          [0, 1],
          [0, 2],
          [0, 3],
        ]),
        available: 3,
      }).threads,
    ).toBe(3);
    expect(defaultThreads({ parameters: 1e6, available: 8 }).threads).toBe(1);
    expect(defaultThreads({ cpuinfo: "processor : 0\n", available: 6 })).toMatchObject({
      threads: 6,
      physicalCores: undefined,
    });
  });
});
