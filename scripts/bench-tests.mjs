#!/usr/bin/env node
/**
 * How long the test suite takes, and which vitest settings help on this machine (issue 16 §6): runs
 * `vitest run` on the same files once per configuration, one after another, and prints wall time, CPU time
 * (user+sys of vitest and everything it started, from /usr/bin/time) and each configuration's ratio to the first
 * (the peer: the repository's own vitest.config.ts). The slowest files of the first run are listed too.
 *
 *   node scripts/bench-tests.mjs                      # test/unit and test/integration, all configurations
 *   node scripts/bench-tests.mjs test/unit            # only these paths
 *   node scripts/bench-tests.mjs --configs default,threads test/integration/cli-surface.test.ts
 *
 * Build first (`npm run build`): integration tests run bin/llamagate.js. A loaded machine makes wall times noisy;
 * compare CPU times there, and give the load average with any number you record (docs/performance.md).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const CONFIGS = {
  default: [],
  threads: ["--pool=threads"],
  "no-isolate": ["--no-isolate"],
  "one-worker": ["--maxWorkers=1"],
  "no-file-parallelism": ["--no-file-parallelism"],
};

const args = process.argv.slice(2);
let names = Object.keys(CONFIGS);
const at = args.indexOf("--configs");
if (at >= 0) {
  names = args[at + 1].split(",");
  args.splice(at, 2);
}
for (const n of names)
  if (!CONFIGS[n]) throw new Error(`unknown configuration ${n} (${Object.keys(CONFIGS).join(", ")})`);
const paths = args.length ? args : ["test/unit", "test/integration"];
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const work = mkdtempSync(join(tmpdir(), "bench-tests-"));

function run(name) {
  const report = join(work, `${name}.json`);
  const timeOut = join(work, `${name}.time`);
  const vitest = [
    "node_modules/.bin/vitest",
    "run",
    ...paths,
    ...CONFIGS[name],
    "--reporter=json",
    `--outputFile=${report}`,
  ];
  const load = loadavg()[0];
  const t0 = performance.now();
  const r = TIME
    ? spawnSync(TIME, ["-f", "%U %S", "-o", timeOut, ...vitest], { stdio: "ignore" })
    : spawnSync(vitest[0], vitest.slice(1), { stdio: "ignore" });
  const wall = (performance.now() - t0) / 1000;
  const cpu = TIME ? readFileSync(timeOut, "utf8").trim().split(/\s+/).slice(-2).map(Number) : undefined;
  const json = existsSync(report) ? JSON.parse(readFileSync(report, "utf8")) : undefined;
  const files = (json?.testResults ?? []).map((f) => ({
    name: f.name.slice(process.cwd().length + 1),
    s: (f.endTime - f.startTime) / 1000,
  }));
  return {
    name,
    wall,
    cpu: cpu ? cpu[0] + cpu[1] : undefined,
    tests: json?.numTotalTests,
    failed: json?.numFailedTests,
    exit: r.status,
    load,
    files,
  };
}

const results = [];
for (const n of names) {
  const r = run(n);
  results.push(r);
  const base = results[0];
  const ratio = (a, b) => (a !== undefined && b ? (a / b).toFixed(2) : "-");
  console.log(
    `${n.padEnd(20)} wall ${r.wall.toFixed(1).padStart(7)} s (x${ratio(r.wall, base.wall)})  cpu ${r.cpu?.toFixed(1).padStart(7) ?? "-"} s (x${ratio(r.cpu, base.cpu)})  ` +
      `${r.tests} tests, ${r.failed} failed, exit ${r.exit}, load at start ${r.load.toFixed(1)}`,
  );
}
console.log("\nslowest files (first configuration):");
for (const f of results[0].files.sort((a, b) => b.s - a.s).slice(0, 15))
  console.log(`  ${f.s.toFixed(1).padStart(7)} s  ${f.name}`);
rmSync(work, { recursive: true, force: true });
