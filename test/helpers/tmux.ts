import { spawnSync, type SpawnSyncReturns } from "node:child_process";

/** Whether tmux is installed (the terminal tests skip, saying so, without it). */
export const hasTmux = spawnSync("tmux", ["-V"]).status === 0;

/** tmux on a server of its own (`-L socket`), so tests never touch a user's sessions or each other's. */
export function tmuxOn(socket: string): (...args: string[]) => SpawnSyncReturns<string> {
  return (...args) => spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
}

/**
 * The shell command line that runs the built CLI with exactly `vars` as its environment (`env -i`), every word
 * single-quoted: what a test hands to `tmux new-session` to run llamagate on a real pseudo-terminal.
 */
export function llamagateShellCommand(vars: Record<string, string>, args: string[]): string {
  return [
    "env",
    "-i",
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
    process.execPath,
    "bin/llamagate.js",
    ...args,
  ]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
    .join(" ");
}
