/**
 * The Node options a worker thread gets: this process's, less `--input-type`. Workers inherit the parent's options,
 * and that one (allowed for `-e` and standard input only) makes a worker started from a file fail to load, so a
 * library caller running `node --input-type=module -e "..."` could not hash, convert or run the reference.
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (a === "--input-type")
      i++; // and its value
    else if (!a.startsWith("--input-type=")) out.push(a);
  }
  return out;
}
