import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMd5Lanes } from "../../../src/verify/create-md5-lanes.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

describe("createMd5Lanes: multi-buffer md5 (4 streams per SIMD pass)", () => {
  it("matches node:crypto for streams fed unevenly, of every length around a block and a stage", () => {
    const lanes = createMd5Lanes()!;
    expect(lanes).toBeDefined();
    // Lengths that end inside a block, at a block, one byte before the padding spills over, and across stages.
    // The last group keeps all four lanes busy for many passes of four (and some lanes hashed alone).
    const groups = [
      [0, 1, 55, 56],
      [63, 64, 65, 119],
      [120, (256 << 10) + 7, 300_000],
      [(700 << 10) + 3, 3 << 20, (2 << 20) + 64, (3 << 20) - 1],
      // Two lanes run far ahead of two that are done: their stages fill and are hashed alone.
      [9 << 20, 100_000, (5 << 20) + 5, 64 << 10],
    ];
    for (const group of groups) {
      const data = group.map((n) => randomBytes(n));
      const open = data.map(() => lanes.open()!);
      if (open.length === 4) expect(lanes.open()).toBeUndefined(); // four lanes at most
      const at = data.map(() => 0);
      // Feed in uneven slices (like network chunks), round-robin, so the lanes fill at different rates.
      let step = 1;
      while (at.some((a, i) => a < data[i]!.length)) {
        data.forEach((d, i) => {
          const n = Math.min(d.length - at[i]!, ((step * 7919 * (i + 1)) % (90 << 10)) + 1);
          if (n > 0) open[i]!.update(d.subarray(at[i], at[i]! + n));
          at[i]! += Math.max(0, n);
        });
        step++;
      }
      expect(open.map((l) => l.digest())).toEqual(data.map(md5));
    }
  });

  it("a released lane is taken again with a fresh state", () => {
    const lanes = createMd5Lanes()!;
    const a = lanes.open()!;
    a.update(randomBytes(1000));
    a.release();
    const b = lanes.open()!;
    const d = randomBytes(5000);
    b.update(d);
    expect(b.digest()).toBe(md5(d));
    expect(() => b.update(d)).toThrow(expect.objectContaining({ code: "MD5_LANE_CLOSED" }));
  });
});
