import { describe, expect, it } from "vitest";
import { workerExecArgv } from "../../../src/core/worker-exec-argv.js";

describe("workerExecArgv", () => {
  it("drops --input-type in both spellings and keeps every other option", () => {
    expect(workerExecArgv(["--input-type=module", "-e", "import('x')"])).toEqual(["-e", "import('x')"]);
    expect(workerExecArgv(["--input-type", "module", "--max-old-space-size=100", "--enable-source-maps"])).toEqual([
      "--max-old-space-size=100",
      "--enable-source-maps",
    ]);
    expect(workerExecArgv([])).toEqual([]);
  });
});
