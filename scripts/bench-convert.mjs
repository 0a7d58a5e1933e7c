#!/usr/bin/env node
// npm run bench:convert — conversion throughput and memory against `cp` of the same bytes.
//
// 1. Generates a synthetic Meta checkpoint (Llama-2-7B shapes, fewer layers, bf16, 2 model-parallel
//    shards written in the real torch.save zip layout) of at least 2 GiB, plus the real Llama 2
//    tokenizer from test/fixtures.
// 2. Times `cp` of the checkpoint (+ fsync of the copies, since the converter fsyncs its output),
//    and, for context, a Node process that copies the same files through a 1 MiB buffer and fsyncs
//    (the floor for any converter whose bytes pass through user space; cp on Linux copies inside
//    the kernel with copy_file_range).
// 3. Runs the built CLI: `convert --to hf` (bf16, as the source) and `convert --to gguf --dtype f16`,
//    each in its own process, measuring wall time and peak RSS (VmHWM at exit; getrusage maxrss off Linux).
// 4. Prints throughput (input bytes / s), the ratio to cp (target ≥ 0.5) and peak RSS against the
//    target 1.5 × largest tensor + 300 MB; removes everything it wrote.
//
// Options: --layers N (default 5), --repeat N (best of N, default 1), --keep (do not delete), --json,
// --dir D (default: os.tmpdir()).

import { spawn, spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeTorchCheckpoint } from "../dist/demo/write-torch-checkpoint.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const LAYERS = Number(opt("--layers", "5"));
const REPEAT = Math.max(1, Number(opt("--repeat", "1")));
const KEEP = args.includes("--keep");
const JSON_OUT = args.includes("--json");
const BASE = opt("--dir", tmpdir());
const log = (s) => process.stderr.write(`${s}\n`);

// Llama 2 7B shapes (dim 4096, 32 heads, ffn 11008, vocab 32000), with LAYERS layers.
const DIM = 4096;
const HEADS = 32;
const FFN = 11008;
const VOCAB = 32000;
const SHARDS = 2;

function tensorsForShard() {
  const t = [];
  const add = (name, shape) => t.push({ name, shape });
  add("tok_embeddings.weight", [VOCAB, DIM / SHARDS]);
  add("norm.weight", [DIM]);
  add("output.weight", [VOCAB / SHARDS, DIM]);
  for (let l = 0; l < LAYERS; l++) {
    const p = `layers.${l}.`;
    add(p + "attention.wq.weight", [DIM / SHARDS, DIM]);
    add(p + "attention.wk.weight", [DIM / SHARDS, DIM]);
    add(p + "attention.wv.weight", [DIM / SHARDS, DIM]);
    add(p + "attention.wo.weight", [DIM, DIM / SHARDS]);
    add(p + "feed_forward.w1.weight", [FFN / SHARDS, DIM]);
    add(p + "feed_forward.w2.weight", [DIM, FFN / SHARDS]);
    add(p + "feed_forward.w3.weight", [FFN / SHARDS, DIM]);
    add(p + "attention_norm.weight", [DIM]);
    add(p + "ffn_norm.weight", [DIM]);
  }
  return t;
}

/** A pool of plausible bf16 weights (|w| < ~0.06, some tiny ones) reused cyclically: fast to generate. */
function makePool(bytes) {
  const f = new Float32Array(bytes / 2);
  const u = new Uint32Array(f.buffer);
  const r = new Uint32Array(f.length);
  randomFillSync(r);
  for (let i = 0; i < f.length; i++) f[i] = ((r[i] / 4294967296) * 2 - 1) * (i % 97 === 0 ? 1e-6 : 0.06);
  const out = new Uint16Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = u[i] >>> 16;
  return new Uint8Array(out.buffer);
}

function fill(n, pool, salt) {
  const out = new Uint8Array(n);
  let off = (salt * 7919 * 2) % pool.length;
  for (let pos = 0; pos < n;) {
    const take = Math.min(n - pos, pool.length - off);
    out.set(pool.subarray(off, off + take), pos);
    pos += take;
    off = 0;
  }
  return out;
}

function dirBytes(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.size;
  return readdirSync(p).reduce((n, f) => n + dirBytes(join(p, f)), 0);
}

function timed(cmd, argv, env = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} ${argv.join(" ")} exited ${code}: ${stderr.slice(-2000)}`));
      const kb = [...stderr.matchAll(/^MAXRSS_KB (\d+)$/gm)].map((m) => Number(m[1]));
      resolve({ seconds, stdout, stderr, maxRssBytes: kb.length > 0 ? Math.max(...kb) * 1024 : undefined });
    });
  });
}

const fmt = (n) => `${(n / 2 ** 30).toFixed(2)} GiB`;
const mbs = (bytes, s) => `${(bytes / 1e6 / s).toFixed(0)} MB/s`;

async function main() {
  const shardTensors = tensorsForShard();
  const shardBytes = shardTensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1) * 2, 0);
  const inputBytes = shardBytes * SHARDS;
  const largestTensor = Math.max(VOCAB * DIM, FFN * DIM) * 2; // merged tok_embeddings / output, bf16
  const need = inputBytes * 4.2; // checkpoint + cp copy + HF + GGUF
  const free = (() => {
    const s = statfsSync(BASE);
    return s.bavail * s.bsize;
  })();
  log(
    `bench:convert: ${LAYERS} layers, ${SHARDS} shards, ${fmt(inputBytes)} of bf16 weights; needs ~${fmt(need)} free in ${BASE} (${fmt(free)} free)`,
  );
  if (free < need) throw new Error(`not enough free disk space in ${BASE}`);
  if (inputBytes < 2 * 2 ** 30) log("warning: checkpoint smaller than 2 GiB (use --layers 5 or more)");

  const work = mkdtempSync(join(BASE, "lg-bench-convert-"));
  const cleanup = () => {
    if (!KEEP) rmSync(work, { recursive: true, force: true });
  };
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    const ck = join(work, "llama-bench-7b-like");
    mkdirSync(ck);
    const t0 = Date.now();
    const pool = makePool(64 * 2 ** 20);
    for (let s = 0; s < SHARDS; s++) {
      writeTorchCheckpoint(
        join(ck, `consolidated.0${s}.pth`),
        shardTensors.map((t, i) => ({
          name: t.name,
          dtype: "BF16",
          shape: t.shape,
          data: () =>
            t.shape.length === 1
              ? fill(t.shape[0] * 2, makePool(t.shape[0] * 2), 0)
              : fill(t.shape.reduce((a, b) => a * b, 1) * 2, pool, i * SHARDS + s),
        })),
        { storageOf: (n) => /^layers\.\d+\./.exec(n)?.[0] ?? n },
      );
    }
    writeFileSync(
      join(ck, "params.json"),
      JSON.stringify({ dim: DIM, multiple_of: 256, n_heads: HEADS, n_layers: LAYERS, norm_eps: 1e-5, vocab_size: -1 }),
    );
    copyFileSync(join(ROOT, "test/fixtures/sentencepiece/llama2-tokenizer.model"), join(ck, "tokenizer.model"));
    log(`generated ${fmt(dirBytes(ck))} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const preload = join(work, "maxrss.mjs");
    // Only the main thread reports: worker threads (the tokenizer builder) run the preload too, and
    // their exit came first and was taken for the process's peak. On Linux the peak is VmHWM from
    // /proc/self/status: getrusage's maxrss survives fork + exec, so a child started by this
    // (large) process would report this process's size when its own peak is smaller.
    writeFileSync(
      preload,
      `import { readFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";
const peakKb = () => {
  try {
    return Number(/^VmHWM:\\s+(\\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))[1]);
  } catch {
    return process.resourceUsage().maxRSS;
  }
};
if (isMainThread) process.on("exit", () => process.stderr.write(\`MAXRSS_KB \${peakKb()}\\n\`));
`,
    );
    const cli = (extra) =>
      timed(process.execPath, [
        "--import",
        pathToFileURL(preload).href,
        join(ROOT, "bin/llamagate.js"),
        "convert",
        ck,
        ...extra,
        "--json",
      ]);
    const shards = readdirSync(ck)
      .filter((f) => f.endsWith(".pth"))
      .map((f) => join(ck, f));
    const cp = async (label) => {
      const dest = join(work, `cp-${label}`);
      mkdirSync(dest);
      const r = await timed("sh", [
        "-c",
        `cp "$@" "${dest}/" && sync ${shards.map((s) => `"${dest}/${s.split("/").pop()}"`).join(" ")}`,
        "cp",
        ...shards,
      ]);
      rmSync(dest, { recursive: true, force: true });
      return r.seconds;
    };

    // The floor for a converter whose bytes pass through user space: copy the same shard files
    // through one reused 1 MiB buffer (read, then write, like `dd bs=1M`), then fsync.
    const ceiling = join(work, "ceiling.mjs");
    writeFileSync(
      ceiling,
      `import { open } from "node:fs/promises";
const buf = new Uint8Array(2 ** 20);
const [dest, ...files] = process.argv.slice(2);
for (const [i, f] of files.entries()) {
  const src = await open(f, "r"); const out = await open(dest + "." + i, "w"); let pos = 0;
  for (;;) { const { bytesRead } = await src.read(buf, 0, buf.length, pos); if (bytesRead === 0) break;
    let off = 0; while (off < bytesRead) { const { bytesWritten } = await out.write(buf, off, bytesRead - off, pos + off); off += bytesWritten; }
    pos += bytesRead; }
  await out.sync(); await out.close(); await src.close();
}\n`,
    );
    const nodeWrite = async () => {
      const r = await timed(process.execPath, [ceiling, join(work, "ceiling.out"), ...shards]);
      shards.forEach((_, i) => rmSync(join(work, `ceiling.out.${i}`), { force: true }));
      return r.seconds;
    };
    const loadBefore = spawnSync("cat", ["/proc/loadavg"]).stdout?.toString().trim();
    const results = [];
    for (const [label, extra] of [
      ["meta → hf (bf16)", ["--to", "hf", "--out", join(work, "out-hf")]],
      ["meta → gguf f16", ["--to", "gguf", "--dtype", "f16", "--out", join(work, "out.gguf")]],
    ]) {
      // --repeat N: interleave N rounds of cp / node copy / conversion and keep each one's best
      // time (the least disturbed by other load on a shared machine); peak RSS is the worst seen.
      let cpSeconds = Infinity;
      let writeSeconds = Infinity;
      let r;
      let worstRss = 0;
      for (let round = 0; round < REPEAT; round++) {
        cpSeconds = Math.min(cpSeconds, await cp(label.replace(/\W+/g, "-")));
        writeSeconds = Math.min(writeSeconds, await nodeWrite());
        const run = await cli([...extra, "--force"]);
        worstRss = Math.max(worstRss, run.maxRssBytes ?? 0);
        if (!r || run.seconds < r.seconds) r = run;
      }
      r.maxRssBytes = worstRss;
      const out = JSON.parse(r.stdout);
      const row = {
        label,
        seconds: r.seconds,
        cpSeconds,
        throughput: inputBytes / r.seconds,
        cpThroughput: inputBytes / cpSeconds,
        nodeCopySeconds: writeSeconds,
        ratio: cpSeconds / r.seconds,
        peakRss: r.maxRssBytes,
        outputBytes: out.bytes,
      };
      results.push(row);
      log(
        `${label}: ${r.seconds.toFixed(2)} s (${mbs(inputBytes, r.seconds)}), cp+fsync ${cpSeconds.toFixed(2)} s (${mbs(inputBytes, cpSeconds)}), node copy+fsync ${writeSeconds.toFixed(2)} s, ratio ${row.ratio.toFixed(2)}, peak RSS ${(r.maxRssBytes / 1e6).toFixed(0)} MB, wrote ${fmt(out.bytes)}`,
      );
      rmSync(out.output, { recursive: true, force: true });
    }
    const rssTarget = 1.5 * largestTensor + 300e6;
    const summary = {
      inputBytes,
      shards: SHARDS,
      layers: LAYERS,
      repeat: REPEAT,
      largestTensorBytes: largestTensor,
      rssTargetBytes: rssTarget,
      results,
      cpu: spawnSync("nproc").stdout?.toString().trim(),
      loadAverage: spawnSync("cat", ["/proc/loadavg"]).stdout?.toString().trim(),
    };
    if (JSON_OUT) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      console.log(`load average before/after: ${loadBefore} / ${summary.loadAverage}`);
      console.log(
        `input: ${fmt(inputBytes)} (${SHARDS} shards, bf16); largest tensor ${(largestTensor / 1e6).toFixed(0)} MB; RSS target ${(rssTarget / 1e6).toFixed(0)} MB`,
      );
      console.log("conversion            time     throughput  cp+fsync  node-copy  ratio  peak RSS");
      for (const r of results) {
        console.log(
          `${r.label.padEnd(20)} ${r.seconds.toFixed(2).padStart(6)} s  ${mbs(inputBytes, r.seconds).padStart(10)}  ${mbs(inputBytes, r.cpSeconds).padStart(9)}  ${mbs(inputBytes, r.nodeCopySeconds).padStart(9)}  ${r.ratio.toFixed(2).padStart(5)}  ${(r.peakRss / 1e6).toFixed(0).padStart(5)} MB ${r.ratio >= 0.5 ? "" : "(ratio below 0.5)"}${r.peakRss < rssTarget ? "" : " (RSS over target)"}`,
        );
      }
    }
  } finally {
    cleanup();
  }
}

main().catch((e) => {
  log(`bench:convert failed: ${e.message}`);
  process.exit(1);
});
