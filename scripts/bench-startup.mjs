#!/usr/bin/env node
/**
 * npm run bench:startup: how long `llamagate --version` and `llamagate models` take to answer, against a bare
 * `node -e 0` timed in the same run. Paired runs: each round spawns bare node, then each llamagate command, so load
 * changes on a shared machine hit both sides alike. Prints the median wall time of each and the ratio to bare node
 * (goal: at most 2x). Run `npx tsc -p tsconfig.json` first (it spawns bin/llamagate.js, which runs dist/).
 *
 * Env: BENCH_RUNS (rounds, default 20), BENCH_CLI (the bin/llamagate.js to time; default this checkout's).
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";

// BENCH_CLI: another build's bin/llamagate.js, e.g. to time a checkout from before a change in the same conditions.
const CLI = process.env.BENCH_CLI ?? fileURLToPath(new URL("../bin/llamagate.js", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const CONTENDERS = {
  "node -e 0": ["-e", "0"],
  "llamagate --version": [CLI, "--version"],
  "llamagate models": [CLI, "models"],
};

function timeOnce(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const times = Object.fromEntries(Object.keys(CONTENDERS).map((k) => [k, []]));
const ratios = Object.fromEntries(Object.keys(CONTENDERS).map((k) => [k, []]));
for (const args of Object.values(CONTENDERS)) timeOnce(args); // warm the file cache
const loadBefore = loadavg()[0];
for (let i = 0; i < RUNS; i++) {
  const bare = timeOnce(CONTENDERS["node -e 0"]);
  times["node -e 0"].push(bare);
  for (const [name, args] of Object.entries(CONTENDERS).slice(1)) {
    const t = timeOnce(args);
    times[name].push(t);
    ratios[name].push(t / bare);
  }
}
const bare = median(times["node -e 0"]);
console.log(
  `${RUNS} paired rounds, node ${process.version}, load average ${loadBefore.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`,
);
for (const name of Object.keys(CONTENDERS)) {
  const m = median(times[name]);
  const paired = name === "node -e 0" ? "" : `, median of paired ratios ${median(ratios[name]).toFixed(2)}x`;
  console.log(`${name.padEnd(22)} median ${m.toFixed(0).padStart(5)} ms  ratio ${(m / bare).toFixed(2)}x${paired}`);
}
const worst = Math.max(
  ...Object.keys(CONTENDERS)
    .slice(1)
    .map((n) => median(ratios[n])),
);
console.log(`goal: at most 2x bare node: ${worst <= 2 ? "met" : "NOT met"} (worst ${worst.toFixed(2)}x)`);
