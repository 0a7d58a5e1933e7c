/** The HF integration tests' runner: the shared CLI runner with a clean environment (no HF_* or DBUS leaks in). */
import { runCli as runCliShared, type CliRun as SharedRun } from "./run-cli.js";

export interface CliRun extends SharedRun {
  code: number;
}

/** Run the CLI; `env` replaces the environment except PATH (no HF_* or DBUS from the outside leaks in unless given). */
export async function runCli(
  args: string[],
  opts: {
    env: Record<string, string | undefined>;
    stdin?: string;
    onSpawn?: (child: import("node:child_process").ChildProcess) => void;
  },
): Promise<CliRun> {
  const r = await runCliShared(args, { env: opts.env, cleanEnv: true, input: opts.stdin ?? "", onSpawn: opts.onSpawn });
  return { ...r, code: r.code ?? -1 };
}
