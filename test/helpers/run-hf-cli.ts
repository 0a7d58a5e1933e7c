/** Spawn the built CLI (node bin/llamagate.js) with a controlled environment; used by the HF integration tests. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI; `env` replaces the environment except PATH (no HF_* or DBUS from the outside leaks in unless given). */
export function runCli(
  args: string[],
  opts: { env: Record<string, string | undefined>; stdin?: string; onSpawn?: (child: import("node:child_process").ChildProcess) => void },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", NO_COLOR: "1" };
    for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [join(ROOT, "bin", "llamagate.js"), ...args], { env, cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
    opts.onSpawn?.(child);
  });
}
