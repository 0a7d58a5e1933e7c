/** Options that take their value as the next argument, among those a worker keeps. */
const WITH_VALUE = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader", "--conditions", "-C"]);
/** What a worker keeps when this process's options must be filtered: module loading and warnings, nothing else. */
const KEEP = new Set([
  ...WITH_VALUE,
  "--enable-source-maps",
  "--no-warnings",
  "--no-deprecation",
  "--trace-warnings",
  "--trace-deprecation",
  "--disable-warning",
  "--unhandled-rejections",
]);
const kept = (option: string) => {
  const name = option.split("=")[0]!;
  return KEEP.has(name) || /^--(no-)?experimental-[\w-]+$/.test(name);
};

/**
 * The `execArgv` for a worker thread: undefined (Node's own inheritance of this process's options) unless this process
 * runs with `--input-type`. Workers inherit the parent's options, and that one (allowed for `-e` and standard input
 * only) makes a worker started from a file fail to load, so a library caller running `node --input-type=module -e
 * "..."` could not hash, convert or run the reference. A list given to a worker is checked by Node, which refuses V8
 * and process-wide options (`--max-old-space-size`, `--expose-gc`, `--perf-basic-prof`, ...): so the filtered list
 * keeps only what a worker needs (module loaders and hooks, conditions, source maps, warnings).
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] | undefined {
  if (!execArgv.some((a) => a === "--input-type" || a.startsWith("--input-type="))) return undefined;
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (!kept(a)) {
      if (a === "--input-type" || a === "-e" || a === "--eval" || a === "-p" || a === "--print") i++; // its value
      continue;
    }
    out.push(a);
    if (WITH_VALUE.has(a) && i + 1 < execArgv.length) out.push(execArgv[++i]!);
  }
  return out;
}
