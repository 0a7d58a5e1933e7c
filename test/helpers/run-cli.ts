import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../bin/llamagate.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Added to the environment (undefined values remove a variable). */
  env?: Record<string, string | undefined>;
  /** Start from an empty environment (PATH and NO_COLOR only) instead of this process's. */
  cleanEnv?: boolean;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null (or `stdinFd`). */
  input?: string;
  /** A file descriptor to use as stdin (a file, to test redirected input). */
  stdinFd?: number;
  cwd?: string;
  /** Kill the CLI after this long. @default 60 s */
  timeoutMs?: number;
  onSpawn?: (child: ChildProcess) => void;
}

/** Spawn the built CLI (npm test builds dist/ first) and collect its output. The one CLI runner of the tests. */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const base: Record<string, string | undefined> = opts.cleanEnv
      ? { PATH: process.env.PATH ?? "" }
      : { ...process.env, CI: "1" };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...base, NO_COLOR: "1", ...opts.env })) if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      env,
      stdio: [opts.stdinFd ?? (opts.input === undefined ? "ignore" : "pipe"), "pipe", "pipe"],
    });
    opts.onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}
