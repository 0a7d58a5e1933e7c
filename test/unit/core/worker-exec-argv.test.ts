import { describe, expect, it } from "vitest";
import { workerExecArgv } from "../../../src/core/worker-exec-argv.js";

describe("workerExecArgv", () => {
  it("leaves a worker Node's own inheritance unless this process runs with --input-type", () => {
    expect(workerExecArgv([])).toBeUndefined();
    expect(workerExecArgv(["--max-old-space-size=100", "--expose-gc", "--perf-basic-prof"])).toBeUndefined();
  });

  it("with --input-type (either spelling) keeps loaders, conditions and warnings, and drops the rest", () => {
    expect(workerExecArgv(["--input-type=module", "-e", "import('x')"])).toEqual([]);
    expect(
      workerExecArgv([
        "--input-type",
        "module",
        "--max-old-space-size=100",
        "--import",
        "tsx",
        "--enable-source-maps",
        "--expose-gc",
        "-r",
        "./hook.cjs",
        "--conditions=dev",
        "--no-warnings",
        "--eval",
        "1",
      ]),
    ).toEqual(["--import", "tsx", "--enable-source-maps", "-r", "./hook.cjs", "--conditions=dev", "--no-warnings"]);
  });
});
