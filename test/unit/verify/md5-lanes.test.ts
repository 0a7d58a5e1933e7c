import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMd5Lanes, type Md5Lane } from "../../../src/verify/create-md5-lanes.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

/** Stage as much of `data` from `at` as the lane's room takes; returns the new position. */
function stage(lane: Md5Lane, data: Buffer, at: number, most = Infinity): number {
  const room = lane.room();
  const n = Math.min(room.length, data.length - at, most);
  room.set(data.subarray(at, at + n));
  lane.commit(n);
  return at + n;
}

describe("createMd5Lanes: multi-buffer md5 (4 streams per SIMD pass)", () => {
  it("matches node:crypto for streams passed together, in groups and alone, of every length around a block", () => {
    const lanes = createMd5Lanes()!;
    expect(lanes).toBeDefined();
    // Lengths that end inside a block, at a block, one byte before the padding spills over, and across stages.
    const groups = [
      [0, 1, 55, 56],
      [63, 64, 65, 119],
      [120, (256 << 10) + 7, 300_000],
      [(700 << 10) + 3, 3 << 20, (2 << 20) + 64, (3 << 20) - 1],
      [9 << 20, 100_000, (5 << 20) + 5, 64 << 10],
    ];
    for (const group of groups) {
      const data = group.map((n) => randomBytes(n));
      const open = data.map(() => lanes.open()!);
      if (open.length === 4) expect(lanes.open()).toBeUndefined(); // four lanes at most
      const at = data.map(() => 0);
      // Stage uneven slices (like reads of ranges), then pass the lanes that have a block: all of them together,
      // or only some (the others keep their state), so every combination of lanes in a pass occurs.
      let step = 1;
      while (at.some((a, i) => a < data[i]!.length)) {
        data.forEach((d, i) => {
          at[i] = stage(open[i]!, d, at[i]!, ((step * 7919 * (i + 1)) % (300 << 10)) + 1);
        });
        const ready = open.filter((l) => l.staged >= 64);
        const some = ready.filter((_, i) => (step + i) % 3 !== 0);
        if (some.length > 0) lanes.pass(some);
        // Keep the stages from filling up: drain what is left, all lanes with a block together.
        while (open.filter((l) => l.staged >= 64).length > 0 && open.some((l) => l.room().length < 300 << 10)) {
          lanes.pass(open.filter((l) => l.staged >= 64));
        }
        step++;
      }
      expect(open.map((l) => l.digest())).toEqual(data.map(md5));
    }
  });

  it("a pass hashes the same number of blocks of each lane, the most the shortest allows", () => {
    const lanes = createMd5Lanes()!;
    const [a, b] = [lanes.open()!, lanes.open()!];
    stage(a, randomBytes(64 * 10 + 5), 0);
    stage(b, randomBytes(64 * 3 + 63), 0);
    expect(lanes.pass([a, b])).toBe(64 * 3);
    expect([a.staged, b.staged]).toEqual([64 * 7 + 5, 63]);
    expect(lanes.pass([a])).toBe(64 * 7);
    a.release();
    b.release();
  });

  it("a lane hashed alone as its stage fills; a released lane is taken again with a fresh state", () => {
    const lanes = createMd5Lanes()!;
    const a = lanes.open()!;
    stage(a, randomBytes(1000), 0);
    a.release();
    const b = lanes.open()!;
    const d = randomBytes((3 << 20) + 17);
    for (let at = 0; at < d.length;) {
      at = stage(b, d, at);
      if (b.room().length < 64) lanes.pass([b]);
    }
    expect(b.digest()).toBe(md5(d));
    expect(() => b.commit(1)).toThrow(expect.objectContaining({ code: "MD5_LANE_CLOSED" }));
  });
});
