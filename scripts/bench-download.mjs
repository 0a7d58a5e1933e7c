#!/usr/bin/env node
/**
 * npm run bench:download: llamagate's transfer engine against the download.sh equivalent (curl one
 * file after another, then `md5sum -c`) and `aria2c -j8`, on the same files from the same local server,
 * in the same run. Prints MB/s, ratios and llamagate's peak RSS. Not a test: numbers vary with the machine.
 *
 * Env: BENCH_TOTAL_MB (default 2048; 512 in the cdn and cpu profiles), BENCH_SHARDS (8),
 *      BENCH_RUNS (3, median reported),
 *      BENCH_CONCURRENCY (llamagate files at once, default = shards), BENCH_DIR (default .bench),
 *      BENCH_CONN_MBPS (cap each connection at this many MB/s, like a CDN edge; default 0 = no cap),
 *      BENCH_PARTS (llamagate Range parts per file, default 1 as for Meta links).
 * Contenders: llamagate, curl + md5sum -c, aria2c -j8 (no verification) and aria2c -j8 with
 * checksum=md5 per file (verifies like llamagate does).
 * Needs curl and md5sum; installs aria2 with apt-get when missing (skipped if that fails).
 *
 * BENCH_PROFILE=cdn: the CDN profile. Every connection is capped (BENCH_CONN_MBPS, default 64 MB/s, per
 * connection across its keep-alive requests, like a CDN edge) and two shapes run in the same process:
 *   shards: BENCH_SHARDS files (8), llamagate one connection per file (as `download` does for Meta) vs `aria2c -j8`;
 *   large:  one file of BENCH_TOTAL_MB, llamagate `--parts 8` (pieces in file order) vs `aria2c -x8 -s8`.
 * BENCH_SHAPES=shards or =large runs one of them.
 * llamagate verifies every md5 while downloading; aria2c verifies nothing; both outputs are checked with
 * md5sum afterwards (not timed). Default size in this profile: BENCH_TOTAL_MB=512.
 *
 * BENCH_PROFILE=cpu: CPU seconds (user + sys) per GiB of the engine against curl + md5sum, and the engine's fixed
 * costs (see mainCpu). BENCH_HASH_IN=receiver|workers picks where the engine hashes (default: its own choice);
 * BENCH_RAW_MIN=N sets the engine's rawBodyMinBytes (Infinity: every body through undici, as before the raw path).
 * BENCH_NODE_ARGS (e.g. "--cpu-prof") are passed to the engine's node (profiles land in .bench).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile, open } from "node:fs/promises";
import os, { cpus, totalmem } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const PROFILE = process.env.BENCH_PROFILE ?? "plain";
const TOTAL_MB = Number(process.env.BENCH_TOTAL_MB ?? (PROFILE === "cdn" || PROFILE === "cpu" ? 512 : 2048));
const SHARDS = Number(process.env.BENCH_SHARDS ?? 8);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? SHARDS);
const CONN_MBPS = Number(process.env.BENCH_CONN_MBPS ?? (PROFILE === "cdn" ? 64 : 0));
const PARTS = Number(process.env.BENCH_PARTS ?? 1);
const BENCH = resolve(process.env.BENCH_DIR ?? join(ROOT, ".bench"));
const SRC = join(BENCH, `src-${TOTAL_MB}x${SHARDS}`);
const OUT = join(BENCH, "out");
const SHARD_BYTES = Math.floor((TOTAL_MB * 1024 * 1024) / SHARDS);
const NAMES = Array.from({ length: SHARDS }, (_, i) => `consolidated.${String(i).padStart(2, "0")}.pth`);

const log = (s) => process.stderr.write(`${s}\n`);
const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

async function makeShards(dir = SRC, names = NAMES, bytes = SHARD_BYTES) {
  await mkdir(dir, { recursive: true });
  if (existsSync(join(dir, "checklist.chk"))) return;
  log(`generating ${names.length} file(s) of ${(bytes / 2 ** 20).toFixed(0)} MiB in ${dir} ...`);
  const block = Buffer.alloc(8 << 20);
  for (const name of names) {
    const fh = await open(join(dir, name), "w");
    for (let off = 0; off < bytes; off += block.length) {
      randomFillSync(block);
      await fh.write(block, 0, Math.min(block.length, bytes - off));
    }
    await fh.close();
  }
  // The checklist comes from the real md5sum, like Meta's.
  await writeFile(join(dir, "checklist.chk"), execFileSync("md5sum", names, { cwd: dir, maxBuffer: 1 << 20 }));
}

/**
 * A plain static file server with Range support, in its own process (1 MiB reads). With a cap, each
 * connection (socket, across its keep-alive requests) sends at most BENCH_CONN_MBPS MB/s.
 */
function startServer(root = SRC) {
  const code = `
    const http = require("node:http"), fs = require("node:fs"), path = require("node:path");
    const root = process.argv[1];
    const server = http.createServer((req, res) => {
      const p = path.join(root, decodeURIComponent(new URL(req.url, "http://x").pathname));
      if (!p.startsWith(root)) { res.writeHead(403); return res.end(); }
      fs.stat(p, (err, st) => {
        if (err || !st.isFile()) { res.writeHead(404); return res.end(); }
        let start = 0, end = st.size - 1, status = 200;
        const h = { "content-type": "application/octet-stream", "accept-ranges": "bytes" };
        const m = /^bytes=(\\d+)-(\\d*)$/.exec(req.headers.range || "");
        if (m) {
          start = Number(m[1]); if (m[2]) end = Math.min(end, Number(m[2]));
          if (start > end) { res.writeHead(416, { "content-range": "bytes */" + st.size }); return res.end(); }
          status = 206; h["content-range"] = "bytes " + start + "-" + end + "/" + st.size;
        }
        h["content-length"] = end - start + 1;
        res.writeHead(status, h);
        if (req.method === "HEAD") return res.end();
        const rate = Number(process.argv[2]) * 1e6;
        const src = fs.createReadStream(p, { start, end, highWaterMark: rate ? 1 << 18 : 1 << 20 });
        if (!rate) return void src.pipe(res);
        // Per-connection cap: the socket's clock says when it may send next (a token bucket, no burst).
        const sock = req.socket;
        src.on("data", (c) => {
          src.pause();
          const ok = res.write(c);
          const now = Date.now();
          sock.nextAt = Math.max(now, sock.nextAt || now) + (c.length / rate) * 1000;
          const go = () => setTimeout(() => src.resume(), Math.max(0, sock.nextAt - Date.now()));
          ok ? go() : res.once("drain", go);
        });
        src.on("end", () => res.end());
        res.on("close", () => src.destroy());
      });
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"));
  `;
  const child = spawn(process.execPath, ["-e", code, root, String(CONN_MBPS)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolvePort) =>
    child.stdout.once("data", (d) => resolvePort({ child, origin: `http://127.0.0.1:${String(d).trim()}` })),
  );
}

function run(cmd, args, opts = {}) {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
    let out = "";
    let err = "";
    c.stdout.on("data", (d) => (out += d));
    c.stderr.on("data", (d) => (err += d));
    c.on("error", rej);
    c.on("close", (code) => (code === 0 ? res(out) : rej(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`))));
  });
}

async function freshOut() {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
}

/**
 * After the previous output is deleted and synced, wait this long before timing the next contender (BENCH_SETTLE_MS,
 * default 3000): on a VM that reports freed memory to its host (virtio-balloon free page reporting, as here), the
 * pages just freed are handed back after a delay, and a contender that starts inside it writes into memory the next
 * one will not get; waiting puts every contender on the same footing (docs/performance.md, "Kernel time").
 */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 3000);

async function timeIt(fn) {
  await freshOut();
  spawnSync("sync"); // start every contender with no dirty pages left by the previous one
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const t0 = performance.now();
  const extra = await fn();
  return { seconds: (performance.now() - t0) / 1000, ...(extra ?? {}) };
}

/** Every tool's output is checked with the real md5sum after its timed run (not timed). */
function checkOut(dir = SRC) {
  execFileSync("md5sum", ["-c", "--quiet", join(dir, "checklist.chk")], {
    cwd: OUT,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

const llamagateDriver = (
  origin,
  checklist,
  { concurrency = CONCURRENCY, parts = PARTS, size = SHARD_BYTES, sha256 = false } = {},
) => `
  import { downloadFilesIter } from ${JSON.stringify(join(ROOT, "dist/download/download-files.js"))};
  const lines = ${JSON.stringify(checklist)}.trim().split("\\n").map((l) => l.split(/\\s+\\*?/));
  // Timestamps (epoch ms) for the fixed costs: process start, first weight byte on disk, last byte on disk.
  const t = { start: Math.round(performance.timeOrigin), firstByte: 0, lastByte: 0 };
  const it = downloadFilesIter({
    concurrency: ${concurrency},
    partsPerFile: ${parts},
    partMinBytes: 16 << 20,${
      process.env.BENCH_HASH_IN
        ? `
    hashIn: ${JSON.stringify(process.env.BENCH_HASH_IN)},`
        : ""
    }${
      process.env.BENCH_RAW_MIN
        ? `
    rawBodyMinBytes: ${Number(process.env.BENCH_RAW_MIN)},`
        : ""
    }
    files: lines.map(([md5, name]) => ({ expectedSize: ${size}, url: ${JSON.stringify(origin)} + "/" + name + "?Policy=x&Signature=y", destPath: ${JSON.stringify(OUT)} + "/" + name, displayName: name, expectedHash: { algorithm: "md5", hex: md5 }${sha256 ? ', hashWhileArriving: ["sha256"]' : ""} })),
  });
  let summary;
  for (;;) {
    const r = await it.next();
    if (r.done) { summary = r.value; break; }
    const e = r.value;
    if (e.type === "file-progress" && e.bytesDone > 0) {
      t.firstByte ||= Date.now();
      if (e.bytesDone === e.totalBytes) t.lastByte = Date.now();
    }
  }
  const ok = summary.files.every((f) => f.verified && !f.skipped);
  const u = process.resourceUsage();
  process.stdout.write(JSON.stringify({ ok, maxRssKiB: u.maxRSS, userS: u.userCPUTime / 1e6, sysS: u.systemCPUTime / 1e6, bytes: summary.totals.bytesTransferred, t }));
`;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  if (PROFILE === "cdn") return mainCdn();
  if (PROFILE === "cpu") return mainCpu();
  if (!existsSync(join(ROOT, "dist/download/download-files.js")))
    throw new Error("run `npm run build` first (npm run bench:download does)");
  for (const c of ["curl", "md5sum"]) if (!have(c)) throw new Error(`${c} is required`);
  if (!have("aria2c")) {
    log("aria2c missing: installing the aria2 package with apt-get ...");
    spawnSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq aria2"], {
      stdio: "ignore",
    });
    if (!have("aria2c")) log("aria2c could not be installed; its column will be empty.");
  }
  await makeShards();
  const checklist = await readFile(join(SRC, "checklist.chk"), "utf8");
  const totalBytes = SHARD_BYTES * SHARDS;
  const { child, origin } = await startServer();
  const results = { llamagate: [], llamagateSha256: [], curl: [], curlSync: [], aria2c: [], aria2cMd5: [] };
  const loadavg = [];
  let peakRssKiB = 0;
  try {
    const driver = join(BENCH, "llamagate-driver.mjs");
    await writeFile(driver, llamagateDriver(origin, checklist));
    // As Meta downloads now run: md5 verified and sha256 computed in the same read (for signatures, issue 19).
    const driverSha = join(BENCH, "llamagate-driver-sha256.mjs");
    await writeFile(driverSha, llamagateDriver(origin, checklist, { sha256: true }));
    await writeFile(join(BENCH, "aria2-input.txt"), NAMES.map((n) => `${origin}/${n}\n  out=${n}`).join("\n"));
    // Like for like: aria2c checks each file's md5 (from the same checklist) itself and fails on a mismatch.
    const md5Of = new Map(
      checklist
        .trim()
        .split("\n")
        .map((l) => l.split(/\s+\*?/))
        .map(([h, n]) => [n, h]),
    );
    await writeFile(
      join(BENCH, "aria2-input-md5.txt"),
      NAMES.map((n) => `${origin}/${n}\n  out=${n}\n  checksum=md5=${md5Of.get(n)}`).join("\n"),
    );
    const aria2Args = (input) => [
      "-j8",
      "-q",
      "-d",
      OUT,
      "-i",
      join(BENCH, input),
      "--file-allocation=none",
      "--allow-overwrite=true",
      "--auto-file-renaming=false",
      "--console-log-level=error",
    ];
    const contenders = {
      llamagate: async () => {
        const lg = await timeIt(async () => JSON.parse(await run(process.execPath, [driver])));
        if (!lg.ok) throw new Error("llamagate did not verify every file");
        peakRssKiB = Math.max(peakRssKiB, lg.maxRssKiB);
        return { seconds: lg.seconds, note: `peak RSS ${(lg.maxRssKiB / 1024).toFixed(0)} MiB` };
      },
      llamagateSha256: async () => {
        const lg = await timeIt(async () => JSON.parse(await run(process.execPath, [driverSha])));
        if (!lg.ok) throw new Error("llamagate did not verify every file");
        return { seconds: lg.seconds, note: "md5 verified + sha256 in the same read" };
      },
      curl: () =>
        timeIt(async () => {
          for (const n of NAMES) await run("curl", ["-sSf", "-o", join(OUT, n), `${origin}/${n}`]);
          await run("md5sum", ["-c", "--quiet", join(SRC, "checklist.chk")], { cwd: OUT });
        }),
      // The same, then `sync`: on disk for good, as llamagate's files are (fsync before each rename).
      curlSync: async () => ({
        ...(await timeIt(async () => {
          for (const n of NAMES) await run("curl", ["-sSf", "-o", join(OUT, n), `${origin}/${n}`]);
          await run("md5sum", ["-c", "--quiet", join(SRC, "checklist.chk")], { cwd: OUT });
          await run("sync", []);
        })),
        note: "durable, like llamagate's files",
      }),
      ...(have("aria2c")
        ? {
            aria2c: async () => ({
              ...(await timeIt(() => run("aria2c", aria2Args("aria2-input.txt")))),
              note: "no verification",
            }),
            aria2cMd5: async () => ({
              ...(await timeIt(() => run("aria2c", aria2Args("aria2-input-md5.txt")))),
              note: "md5 checked by aria2c",
            }),
          }
        : {}),
    };
    const labels = {
      llamagate: "llamagate        ",
      llamagateSha256: "llamagate +sha256",
      curl: "curl + md5sum -c ",
      curlSync: "curl + md5 + sync ",
      aria2c: "aria2c -j8       ",
      aria2cMd5: "aria2c -j8 + md5 ",
    };
    const order = Object.keys(contenders);
    for (let r = 0; r < RUNS; r++) {
      loadavg.push(os.loadavg()[0]);
      log(`run ${r + 1}/${RUNS} (load average ${os.loadavg()[0].toFixed(2)})`);
      // Rotate who goes first: the first one in a round competes with the write-back of the previous round.
      for (let k = 0; k < order.length; k++) {
        const name = order[(k + r) % order.length];
        const res = await contenders[name]();
        checkOut();
        results[name].push(res.seconds);
        log(`  ${labels[name]} ${res.seconds.toFixed(2)} s${res.note ? ` (${res.note})` : ""}`);
      }
    }
  } finally {
    child.kill();
    await rm(OUT, { recursive: true, force: true });
  }
  const mbps = (s) => totalBytes / 1e6 / s;
  const lg = median(results.llamagate);
  const cu = median(results.curl);
  loadavg.push(os.loadavg()[0]);
  const ar = results.aria2c.length ? median(results.aria2c) : undefined;
  const arMd5 = results.aria2cMd5.length ? median(results.aria2cMd5) : undefined;
  const rows = [
    [`llamagate (md5 verified, ${CONCURRENCY} files at once${PARTS > 1 ? `, ${PARTS} parts each` : ""})`, lg],
    ["download.sh equivalent (curl sequential + md5sum -c)", cu],
    ["the same, then sync (durable, like llamagate)", median(results.curlSync)],
    ...(ar ? [["aria2c -j8 (no verification)", ar]] : []),
    ...(arMd5 ? [["aria2c -j8 + checksum=md5 (verified, like for like)", arMd5]] : []),
  ];
  const report = {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    files: SHARDS,
    totalBytes,
    connMBps: CONN_MBPS || null,
    llamagatePartsPerFile: PARTS,
    runs: RUNS,
    loadAverage1m: loadavg.map((x) => Number(x.toFixed(2))),
    seconds: {
      llamagate: results.llamagate,
      curlMd5sum: results.curl,
      curlMd5sumSync: results.curlSync,
      aria2c: results.aria2c,
      aria2cMd5: results.aria2cMd5,
    },
    medianMBps: {
      llamagate: mbps(lg),
      curlMd5sum: mbps(cu),
      aria2c: ar ? mbps(ar) : null,
      aria2cMd5: arMd5 ? mbps(arMd5) : null,
    },
    ratios: {
      vsDownloadSh: cu / lg,
      vsDownloadShDurable: median(results.curlSync) / lg,
      vsAria2c: ar ? ar / lg : null,
      vsAria2cMd5: arMd5 ? arMd5 / lg : null,
      sha256Cost: median(results.llamagateSha256) / lg,
    },
    bestRatios: {
      vsDownloadSh: Math.min(...results.curl) / Math.min(...results.llamagate),
      vsAria2c: ar ? Math.min(...results.aria2c) / Math.min(...results.llamagate) : null,
    },
    llamagatePeakRssMiB: Math.round(peakRssKiB / 1024),
  };
  console.log(
    `\n${SHARDS} files, ${(totalBytes / 2 ** 30).toFixed(2)} GiB, median of ${RUNS} runs, ${report.machine.cpus} CPUs (${report.machine.cpuModel})` +
      (CONN_MBPS ? `, each connection capped at ${CONN_MBPS} MB/s` : ", no per-connection cap"),
  );
  const best = {
    llamagate: Math.min(...results.llamagate),
    curl: Math.min(...results.curl),
    curlSync: Math.min(...results.curlSync),
    aria2c: results.aria2c.length ? Math.min(...results.aria2c) : undefined,
    aria2cMd5: results.aria2cMd5.length ? Math.min(...results.aria2cMd5) : undefined,
  };
  const bestOf = [
    best.llamagate,
    best.curl,
    best.curlSync,
    ...(ar ? [best.aria2c] : []),
    ...(arMd5 ? [best.aria2cMd5] : []),
  ];
  console.log(`  ${"".padEnd(58)} ${"median".padStart(9)} ${"".padStart(11)} ${"best".padStart(9)}`);
  rows.forEach(([name, s], i) =>
    console.log(
      `  ${name.padEnd(58)} ${s.toFixed(2).padStart(7)} s  ${mbps(s).toFixed(0).padStart(5)} MB/s  ${bestOf[i].toFixed(2).padStart(7)} s  ${mbps(bestOf[i]).toFixed(0).padStart(5)} MB/s`,
    ),
  );
  console.log(
    `  llamagate vs download.sh equivalent: ${report.ratios.vsDownloadSh.toFixed(2)}x median, ${(best.curl / best.llamagate).toFixed(2)}x best (target >= 1.5x)`,
  );
  console.log(
    `  llamagate vs the same + sync:        ${report.ratios.vsDownloadShDurable.toFixed(2)}x median (both durable)`,
  );
  if (ar)
    console.log(
      `  llamagate vs aria2c -j8:             ${report.ratios.vsAria2c.toFixed(2)}x median, ${(best.aria2c / best.llamagate).toFixed(2)}x best (target >= 1.0x)`,
    );
  if (arMd5)
    console.log(
      `  llamagate vs aria2c -j8 + md5:       ${report.ratios.vsAria2cMd5.toFixed(2)}x median, ${(best.aria2cMd5 / best.llamagate).toFixed(2)}x best (both verified)`,
    );
  console.log(
    `  llamagate md5+sha256 / md5 only:     ${report.ratios.sha256Cost.toFixed(2)}x the time (median; goal <= 1.10)`,
  );
  console.log(`  load average (1 min) before each round and at the end: ${report.loadAverage1m.join(", ")}`);
  console.log(`  llamagate peak RSS: ${report.llamagatePeakRssMiB} MiB (target < 200 MiB)`);
  await writeFile(
    join(BENCH, `bench-download${CONN_MBPS ? `-cap${CONN_MBPS}` : ""}${PARTS > 1 ? `-parts${PARTS}` : ""}.json`),
    JSON.stringify(report, null, 2),
  );
}

/** BENCH_PROFILE=cdn: both shapes on a per-connection capped link, llamagate against aria2c in the same run. */
async function mainCdn() {
  if (!have("aria2c")) {
    log("aria2c missing: installing the aria2 package with apt-get ...");
    spawnSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq aria2"], {
      stdio: "ignore",
    });
    if (!have("aria2c")) throw new Error("the cdn profile needs aria2c (apt-get install aria2)");
  }
  const totalBytes = SHARD_BYTES * SHARDS;
  const large = { dir: join(BENCH, `src-${TOTAL_MB}x1`), names: ["consolidated.00.pth"], bytes: totalBytes };
  await makeShards();
  await makeShards(large.dir, large.names, large.bytes);
  const shapes = [
    {
      key: "shards",
      name: `${SHARDS} shards`,
      dir: SRC,
      names: NAMES,
      ours: {
        concurrency: SHARDS,
        parts: 1,
        size: SHARD_BYTES,
        label: `llamagate, one connection per file (${SHARDS})`,
      },
      theirs: {
        label: "aria2c -j8",
        args: () => ["-j8", "-i", join(BENCH, "aria2-cdn-shards.txt")],
        input: (origin) => NAMES.map((n) => `${origin}/${basename(SRC)}/${n}\n  out=${n}`).join("\n"),
      },
    },
    {
      key: "large",
      name: "one large file",
      dir: large.dir,
      names: large.names,
      ours: { concurrency: 1, parts: 8, size: large.bytes, label: "llamagate --parts 8 (pieces in order)" },
      theirs: {
        label: "aria2c -x8 -s8",
        args: (origin) => ["-x8", "-s8", "-o", large.names[0], `${origin}/${basename(large.dir)}/${large.names[0]}`],
      },
    },
  ].filter((s) => !process.env.BENCH_SHAPES || process.env.BENCH_SHAPES.split(",").includes(s.key));
  const { child, origin } = await startServer(BENCH);
  const common = [
    "-q",
    "-d",
    OUT,
    "--file-allocation=none",
    "--allow-overwrite=true",
    "--auto-file-renaming=false",
    "--console-log-level=error",
  ];
  const report = {
    profile: "cdn",
    connMBps: CONN_MBPS,
    totalBytes,
    runs: RUNS,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    shapes: [],
  };
  try {
    for (const shape of shapes) {
      const checklist = await readFile(join(shape.dir, "checklist.chk"), "utf8");
      const driver = join(BENCH, "llamagate-driver-cdn.mjs");
      // The server serves BENCH: the files are under <origin>/<src dir>/.
      await writeFile(driver, llamagateDriver(`${origin}/${basename(shape.dir)}`, checklist, shape.ours));
      if (shape.theirs.input) await writeFile(join(BENCH, "aria2-cdn-shards.txt"), shape.theirs.input(origin));
      const times = { ours: [], theirs: [], theirsVerified: [] };
      const loads = [];
      for (let r = 0; r < RUNS; r++) {
        loads.push(Number(os.loadavg()[0].toFixed(2)));
        for (const who of r % 2 === 0 ? ["ours", "theirs"] : ["theirs", "ours"]) {
          let lg;
          const t =
            who === "ours"
              ? await timeIt(async () => {
                  lg = JSON.parse(await run(process.execPath, [driver]));
                  if (!lg.ok) throw new Error("llamagate did not verify every file");
                })
              : await timeIt(() => run("aria2c", [...shape.theirs.args(origin), ...common]));
          // Where llamagate's time went: CPU, and start → first weight byte → last byte → verified exit.
          const detail = lg
            ? `, cpu ${(lg.userS + lg.sysS).toFixed(2)} s, first byte ${((lg.t.firstByte - lg.t.start) / 1000).toFixed(2)} s, bytes ${((lg.t.lastByte - lg.t.firstByte) / 1000).toFixed(2)} s, after last byte ${((Date.now() - lg.t.lastByte) / 1000).toFixed(2)} s`
            : "";
          // aria2c then md5sum -c: the peer's time to the same verified result (md5sum timed right after it).
          const check0 = performance.now();
          checkOut(shape.dir);
          if (who === "theirs") times.theirsVerified.push(t.seconds + (performance.now() - check0) / 1000);
          times[who].push(t.seconds);
          log(
            `  ${shape.name}: ${(who === "ours" ? shape.ours.label : shape.theirs.label).padEnd(42)} ${t.seconds.toFixed(2)} s (load ${os.loadavg()[0].toFixed(2)}${detail})`,
          );
        }
      }
      loads.push(Number(os.loadavg()[0].toFixed(2)));
      const ours = median(times.ours);
      const theirs = median(times.theirs);
      report.shapes.push({
        shape: shape.name,
        ours: shape.ours.label,
        theirs: shape.theirs.label,
        seconds: times,
        medianSeconds: { ours, theirs, theirsVerified: median(times.theirsVerified) },
        ratio: theirs / ours,
        ratioVerified: median(times.theirsVerified) / ours,
        loadAverage1m: loads,
      });
    }
  } finally {
    child.kill();
    await rm(OUT, { recursive: true, force: true });
  }
  const gib = (totalBytes / 2 ** 30).toFixed(2);
  console.log(
    `\nCDN profile: ${gib} GiB per shape, each connection capped at ${CONN_MBPS} MB/s, median of ${RUNS} runs, ${report.machine.cpus} CPUs`,
  );
  for (const s of report.shapes) {
    const mbps = (x) => (totalBytes / 1e6 / x).toFixed(0);
    console.log(`  ${s.shape}:`);
    console.log(
      `    ${s.ours.padEnd(44)} ${s.medianSeconds.ours.toFixed(2).padStart(6)} s ${mbps(s.medianSeconds.ours).padStart(5)} MB/s (md5 verified)`,
    );
    console.log(
      `    ${s.theirs.padEnd(44)} ${s.medianSeconds.theirs.toFixed(2).padStart(6)} s ${mbps(s.medianSeconds.theirs).padStart(5)} MB/s (not verified)`,
    );
    console.log(
      `    llamagate vs ${s.theirs}: ${s.ratio.toFixed(2)}x (target >= 1.0x); load average ${s.loadAverage1m.join(", ")}`,
    );
    console.log(
      `    llamagate vs ${s.theirs} then md5sum -c (${s.medianSeconds.theirsVerified.toFixed(2)} s): ${s.ratioVerified.toFixed(2)}x (target >= 1.2x at 64 MB/s)`,
    );
  }
  await writeFile(join(BENCH, `bench-download-cdn${CONN_MBPS}.json`), JSON.stringify(report, null, 2));
}

/**
 * BENCH_PROFILE=cpu: CPU time (user + sys) per GiB downloaded and md5-verified, the number that survives a loaded
 * machine. The engine driver process (every thread) against `curl` one file at a time then `md5sum -c` (the CPU of
 * the children of one shell, from its `times` builtin), in the same rounds; the server is not counted. Also prints
 * the engine's fixed costs: start to first weight byte on disk, last byte on disk to process exit.
 */
async function mainCpu() {
  for (const c of ["curl", "md5sum", "bash"]) if (!have(c)) throw new Error(`${c} is required`);
  await makeShards();
  const checklist = await readFile(join(SRC, "checklist.chk"), "utf8");
  const gib = (SHARD_BYTES * SHARDS) / 2 ** 30;
  const { child, origin } = await startServer();
  const rows = { engine: [], engineSha256: [], curl: [] };
  const fixed = [];
  const loads = [];
  const cpuOf = (times) => {
    // bash `times`: line 1 the shell itself, line 2 its children ("0m1.234s 0m0.567s").
    const sec = (x) => {
      const m = /^(\d+)m([\d.]+)s$/.exec(x);
      return Number(m[1]) * 60 + Number(m[2]);
    };
    const [user, sys] = times.trim().split("\n").at(-1).trim().split(/\s+/).map(sec);
    return { user, sys };
  };
  try {
    const driver = join(BENCH, "llamagate-driver.mjs");
    await writeFile(driver, llamagateDriver(origin, checklist));
    const driverSha = join(BENCH, "llamagate-driver-sha256.mjs");
    await writeFile(driverSha, llamagateDriver(origin, checklist, { sha256: true }));
    const engine = (path) =>
      timeIt(async () => {
        const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
        const lg = JSON.parse(await run(process.execPath, [...nodeArgs, path], { cwd: BENCH }));
        const exited = Date.now();
        if (!lg.ok) throw new Error("llamagate did not verify every file");
        return {
          user: lg.userS,
          sys: lg.sysS,
          toFirstByte: (lg.t.firstByte - lg.t.start) / 1000,
          lastByteToExit: (exited - lg.t.lastByte) / 1000,
        };
      });
    const script =
      NAMES.map((n) => `curl -sSf -o ${JSON.stringify(join(OUT, n))} ${JSON.stringify(`${origin}/${n}`)}`).join(
        " && ",
      ) + ` && (cd ${JSON.stringify(OUT)} && md5sum -c --quiet ${JSON.stringify(join(SRC, "checklist.chk"))}) && times`;
    const contenders = {
      engine: () => engine(driver),
      engineSha256: () => engine(driverSha),
      curl: () => timeIt(async () => cpuOf(await run("bash", ["-c", script]))),
    };
    const order = Object.keys(contenders);
    for (let r = 0; r < RUNS; r++) {
      loads.push(Number(os.loadavg()[0].toFixed(2)));
      for (let k = 0; k < order.length; k++) {
        const name = order[(k + r) % order.length];
        const res = await contenders[name]();
        checkOut();
        rows[name].push(res);
        if (name === "engine") fixed.push(res);
        log(
          `  ${name.padEnd(13)} user ${res.user.toFixed(2)} s sys ${res.sys.toFixed(2)} s wall ${res.seconds.toFixed(2)} s` +
            (res.toFirstByte !== undefined
              ? ` (first byte after ${(res.toFirstByte * 1000).toFixed(0)} ms, exit ${(res.lastByteToExit * 1000).toFixed(0)} ms after the last)`
              : ""),
        );
      }
    }
    loads.push(Number(os.loadavg()[0].toFixed(2)));
  } finally {
    child.kill();
    await rm(OUT, { recursive: true, force: true });
  }
  const perGiB = (xs) => median(xs.map((x) => (x.user + x.sys) / gib));
  const report = {
    profile: "cpu",
    files: SHARDS,
    totalBytes: SHARD_BYTES * SHARDS,
    runs: RUNS,
    loadAverage1m: loads,
    cpuSecondsPerGiB: {
      engine: perGiB(rows.engine),
      engineSha256: perGiB(rows.engineSha256),
      curlMd5sum: perGiB(rows.curl),
    },
    rounds: rows,
  };
  const c = report.cpuSecondsPerGiB;
  const med = (xs, f) => median(xs.map(f));
  console.log(
    `\nCPU per GiB downloaded and md5-verified, ${SHARDS} files, ${gib.toFixed(2)} GiB, median of ${RUNS} rounds`,
  );
  for (const [k, label] of [
    ["engine", "llamagate engine (md5)"],
    ["engineSha256", "llamagate engine (md5 + sha256)"],
    ["curl", "curl one by one + md5sum -c"],
  ])
    console.log(
      `  ${label.padEnd(34)} ${perGiB(rows[k]).toFixed(2).padStart(6)} s/GiB (user ${(med(rows[k], (x) => x.user) / gib).toFixed(2)}, sys ${(med(rows[k], (x) => x.sys) / gib).toFixed(2)}; wall ${med(rows[k], (x) => x.seconds).toFixed(2)} s)`,
    );
  console.log(`  engine / curl+md5sum: ${(c.engine / c.curlMd5sum).toFixed(2)}x (goal <= 1.0x, moonshot <= 0.8x)`);
  console.log(
    `  engine fixed costs (median): start to first byte ${(med(fixed, (x) => x.toFirstByte) * 1000).toFixed(0)} ms, last byte to exit ${(med(fixed, (x) => x.lastByteToExit) * 1000).toFixed(0)} ms`,
  );
  console.log(`  load average (1 min) before each round and at the end: ${loads.join(", ")}`);
  await writeFile(join(BENCH, "bench-download-cpu.json"), JSON.stringify(report, null, 2));
}

main().catch((e) => {
  console.error(`bench-download: ${e.message}`);
  process.exit(1);
});
