import { describe, expect, it } from "vitest";
import { forEachConcurrent } from "../../../src/core/for-each-concurrent.js";

/** A call that finishes when the test says so: concurrency is observed, not timed. */
function gated() {
  const open: Array<() => void> = [];
  let running = 0;
  let most = 0;
  const call = async () => {
    running++;
    most = Math.max(most, running);
    await new Promise<void>((r) => open.push(r));
    running--;
  };
  return { call, open, most: () => most, running: () => running };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("forEachConcurrent", () => {
  it("keeps at most `concurrency` calls in flight and takes items in order", async () => {
    const g = gated();
    const seen: number[] = [];
    const run = forEachConcurrent([10, 11, 12, 13, 14], 2, async (item, i) => {
      seen.push(item);
      expect(i).toBe(item - 10);
      await g.call();
    });
    for (let k = 0; k < 5; k++) {
      await settle();
      expect(g.running()).toBeLessThanOrEqual(2);
      g.open.shift()?.();
    }
    await run;
    expect(seen).toEqual([10, 11, 12, 13, 14]);
    expect(g.most()).toBe(2);
  });

  it("after the first error starts nothing new, waits for the running calls, then throws that error", async () => {
    const started: number[] = [];
    let finished = 0;
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const run = forEachConcurrent([0, 1, 2, 3], 2, async (i) => {
      started.push(i);
      if (i === 0) {
        await slow;
        finished++;
        return;
      }
      throw new Error(`item ${i} failed`);
    });
    let settled = false;
    void run.catch(() => (settled = true));
    await settle();
    expect(settled).toBe(false); // item 0 still running: not abandoned
    release();
    await expect(run).rejects.toThrow("item 1 failed");
    expect(finished).toBe(1);
    expect(started).toEqual([0, 1]);
  });

  it("stopWhen ends the run without an error; an empty list does nothing", async () => {
    const done: number[] = [];
    await forEachConcurrent([0, 1, 2, 3], 1, async (i) => void done.push(i), { stopWhen: () => done.length >= 2 });
    expect(done).toEqual([0, 1]);
    await forEachConcurrent([], 4, async () => {
      throw new Error("never called");
    });
  });

  it("afterLast: a slot with no item left calls it until it resolves false, while other items still run", async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const log: string[] = [];
    let helps = 0;
    const run = forEachConcurrent(
      ["slow", "fast"],
      2,
      async (item) => {
        if (item === "slow") await slow;
        log.push(`done ${item}`);
      },
      {
        afterLast: async () => {
          helps++;
          log.push(`help ${helps}`);
          if (helps === 2) release(); // the helper's work lets the slow item finish
          return helps < 3;
        },
      },
    );
    await run;
    // "fast" ends first; its slot helps twice (the slow item still running), and a third call says no more;
    // the slow item's slot, when it ends, finds nothing left either and asks once more (false again).
    expect(log.slice(0, 3)).toEqual(["done fast", "help 1", "help 2"]);
    expect(log).toContain("done slow");
    expect(helps).toBeGreaterThanOrEqual(3);
  });

  it("afterLast is not called after an error, and its own error is the run's", async () => {
    let calls = 0;
    await expect(
      forEachConcurrent(
        [0],
        1,
        async () => {
          throw new Error("item failed");
        },
        { afterLast: async () => (calls++, false) },
      ),
    ).rejects.toThrow("item failed");
    expect(calls).toBe(0);
    await expect(
      forEachConcurrent([0], 1, async () => {}, {
        afterLast: async () => {
          throw new Error("helper failed");
        },
      }),
    ).rejects.toThrow("helper failed");
  });
});
