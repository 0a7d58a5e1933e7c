#!/usr/bin/env node
/**
 * npm run bench:pull: `llamagate pull` of a model artifact from a local CNCF distribution registry
 * (Debian's docker-registry on 127.0.0.1) against `skopeo copy` of the same artifact to a local OCI
 * layout, in the same run, alternating. Both verify sha256 digests (llamagate while the bytes arrive,
 * c/image while copying). llamagate's files are fsynced when it exits, skopeo's are not, so skopeo is timed
 * twice: alone, and followed by `sync` (durable, like llamagate). Prints seconds, MB/s and the ratios.
 * Not a test: numbers vary with the machine.
 *
 * Env: BENCH_FILES (default 8), BENCH_FILE_MB (default 128), BENCH_RUNS (default 3, median reported),
 *      BENCH_DIR (default .bench), BENCH_CONCURRENCY (llamagate layers at once, default 8; skopeo's own default).
 * Needs docker-registry and skopeo (apt-get install -y docker-registry skopeo).
 */
import { spawn, spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const FILES = Number(process.env.BENCH_FILES ?? 8);
const FILE_MB = Number(process.env.BENCH_FILE_MB ?? 128);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BENCH = resolve(process.env.BENCH_DIR ?? join(ROOT, ".bench"));
const SRC = join(BENCH, `oci-src-${FILES}x${FILE_MB}`, "model");
const CLI = join(ROOT, "bin", "llamagate.js");
const log = (s) => process.stderr.write(`${s}\n`);
const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

if (!have("docker-registry") || !have("skopeo")) {
  log("bench:pull needs docker-registry and skopeo: apt-get install -y docker-registry skopeo");
  process.exit(2);
}

async function makeModel() {
  await mkdir(SRC, { recursive: true });
  if (existsSync(join(SRC, "..", "done"))) return;
  log(`generating ${FILES} files of ${FILE_MB} MiB in ${SRC} ...`);
  const block = Buffer.alloc(8 << 20);
  for (let i = 0; i < FILES; i++) {
    const fh = await open(
      join(SRC, `model-${String(i + 1).padStart(5, "0")}-of-${String(FILES).padStart(5, "0")}.safetensors`),
      "w",
    );
    for (let off = 0; off < FILE_MB << 20; off += block.length) {
      randomFillSync(block);
      await fh.write(block, 0, Math.min(block.length, (FILE_MB << 20) - off));
    }
    await fh.close();
  }
  await writeFile(join(SRC, "config.json"), '{"model_type":"llama"}\n');
  await writeFile(join(SRC, "..", "done"), "");
}

async function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

async function startRegistry() {
  const dir = join(BENCH, "oci-registry");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  await writeFile(
    join(dir, "config.yml"),
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: bench\n`,
  );
  const child = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: "ignore" });
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
}

function timed(cmd, args, env = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return s;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await makeModel();
const reg = await startRegistry();
try {
  const ref = `${reg.host}/bench/model:v1`;
  const env = { LLAMAGATE_DATA_DIR: join(BENCH, "oci-state"), CI: "1" };
  const pushS = timed("node", [CLI, "push", SRC, ref, "--plain-http", "--license-family", "none", "--json"], env);
  log(`pushed ${FILES} x ${FILE_MB} MiB in ${pushS.toFixed(2)} s`);
  const total = FILES * FILE_MB * 2 ** 20;
  const results = { llamagate: [], skopeo: [], "skopeo+sync": [] };
  for (let run = 0; run < RUNS; run++) {
    const dest = join(BENCH, "oci-pull");
    const layout = join(BENCH, "oci-layout");
    await rm(dest, { recursive: true, force: true });
    await rm(layout, { recursive: true, force: true });
    const order = run % 2 === 0 ? ["llamagate", "skopeo", "skopeo+sync"] : ["skopeo+sync", "skopeo", "llamagate"];
    for (const who of order) {
      await rm(layout, { recursive: true, force: true });
      spawnSync("sync");
      const copy = `skopeo copy -q --src-tls-verify=false docker://${ref} oci:${layout}:v1`;
      const s =
        who === "llamagate"
          ? timed(
              "node",
              [CLI, "pull", ref, "--dir", dest, "--plain-http", "--concurrency", String(CONCURRENCY), "--json"],
              env,
            )
          : timed("sh", ["-c", who === "skopeo" ? copy : `${copy} && sync`]);
      results[who].push(s);
      log(`run ${run + 1}: ${who} ${s.toFixed(2)} s (${(total / 1e6 / s).toFixed(0)} MB/s)`);
    }
    spawnSync("sync");
  }
  const l = median(results.llamagate);
  const k = median(results.skopeo);
  const ks = median(results["skopeo+sync"]);
  const out = {
    files: FILES,
    fileMiB: FILE_MB,
    runs: RUNS,
    cpus: cpus().length,
    llamagateSeconds: results.llamagate,
    skopeoSeconds: results.skopeo,
    skopeoSyncSeconds: results["skopeo+sync"],
    medianSkopeoSyncMBps: Math.round(total / 1e6 / ks),
    ratioDurable: Number((ks / l).toFixed(2)),
    medianLlamagateMBps: Math.round(total / 1e6 / l),
    medianSkopeoMBps: Math.round(total / 1e6 / k),
    ratio: Number((k / l).toFixed(2)),
  };
  console.log(JSON.stringify(out, null, 2));
  log(
    `median: llamagate ${l.toFixed(2)} s, skopeo copy ${k.toFixed(2)} s (${(k / l).toFixed(2)}x), skopeo copy + sync ${ks.toFixed(2)} s (${(ks / l).toFixed(2)}x)`,
  );
} finally {
  reg.stop();
  await rm(join(BENCH, "oci-pull"), { recursive: true, force: true });
  await rm(join(BENCH, "oci-layout"), { recursive: true, force: true });
}
