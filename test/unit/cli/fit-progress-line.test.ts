import { describe, expect, it } from "vitest";
import { fitProgressLine } from "../../../src/cli/progress/fit-progress-line.js";

const GiB = 1 << 30;
const row = {
  name: "llama-2-70b-chat/consolidated.07.pth",
  done: 3.2 * GiB,
  total: 16.1 * GiB,
  speed: 212.5 * (1 << 20),
};

describe("fitProgressLine", () => {
  it("keeps name, bar, bytes, speed and ETA at 80 columns, within 79 characters", () => {
    const line = fitProgressLine(row, 80);
    expect(line.length).toBeLessThanOrEqual(79);
    expect(line).toContain("consolidated.07.pth");
    expect(line).toMatch(/\[#+-+\]/);
    expect(line).toContain("3.2 GiB / 16.1 GiB");
    expect(line).toMatch(/21[23] MiB\/s/);
    expect(line).toMatch(/ETA 1 min 02 s/);
  });

  it("degrades at 40 columns: the bar and ETA go, the name's end, the bytes and the speed stay", () => {
    const line = fitProgressLine(row, 40);
    expect(line.length).toBeLessThanOrEqual(39);
    expect(line).toMatch(/3\.2 GiB \/ 16\.1 GiB {2}21[23] MiB\/s$/);
    expect(line).toMatch(/…\S*\.pth /);
    expect(line).not.toContain("[");
  });

  it("never exceeds the width, even at 20 columns", () => {
    for (const cols of [20, 30, 50, 60, 100, 200])
      expect(fitProgressLine(row, cols).length).toBeLessThanOrEqual(cols - 1);
  });

  it("marks an estimated total and gives no ETA for it", () => {
    const line = fitProgressLine({ ...row, name: "total", totalIsEstimate: true, note: "0/8 files" }, 100);
    expect(line).toContain("3.2 GiB / 16.1 GiB+");
    expect(line).not.toContain("ETA");
  });

  it("escapes control characters in names", () => {
    expect(fitProgressLine({ name: "a\u001b[2Kb", done: 1 }, 80)).toContain("a\\e[2Kb");
  });
});
