import { readdir, readFile } from "node:fs/promises";

/**
 * This process's live child processes whose command line contains `script`, with their environments read from
 * /proc/<pid>/environ (Linux only): what a child was really started with, not what the code meant to pass.
 */
export async function liveChildren(script: string): Promise<{ pid: number; environ: string }[]> {
  const found: { pid: number; environ: string }[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid !== process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes(script)) continue;
    const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => undefined);
    if (environ !== undefined) found.push({ pid: Number(pid), environ });
  }
  return found;
}

/** The environments of the live children running `script` that are not among `except` (pids seen before). */
export async function childEnvirons(script: string, except: ReadonlySet<number> = new Set()): Promise<string[]> {
  return (await liveChildren(script)).filter((c) => !except.has(c.pid)).map((c) => c.environ);
}
