import { PassThrough } from "node:stream";
import type { CliContext } from "../../src/cli/context.js";
import { main } from "../../src/cli/main.js";
import type { CliRun } from "./run-cli.js";

export interface RunMainOptions {
  /** The whole environment the command sees (in-process runs do not inherit this process's). */
  env?: Record<string, string>;
  /** Aborts the run, as Ctrl-C would. */
  signal?: AbortSignal;
}

/**
 * Run the CLI in this process through `main(argv, ctx)`: the same parsing, rendering and exit codes as the
 * binary, without paying a Node start-up per case. Keep a few spawned runs (runCli) per command for the real
 * process boundary (argv, exit code, signals); use this for the rest.
 */
export async function runMain(args: string[], opts: RunMainOptions = {}): Promise<CliRun & { code: number }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const stdin = new PassThrough();
  stdin.end();
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin,
    env: { NO_COLOR: "1", ...opts.env },
    signal: opts.signal ?? new AbortController().signal,
  };
  const code = await main(args, ctx);
  // Let the PassThrough streams deliver what was written before reading them.
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out, stderr: err };
}
