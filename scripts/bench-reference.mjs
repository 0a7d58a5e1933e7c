#!/usr/bin/env node
// npm run bench:reference — how long the smoke test's reference cross-check takes at real sizes, reading included.
//
// 1. Generates (in a temporary folder, deleted after; never committed) a Meta checkpoint of random bf16 weights in
//    the real torch.save zip layout, split into model-parallel shards like Meta's, plus the Llama 2 tokenizer:
//      --size 0.85b (default): dim 2048, 14 layers, 16 heads, ffn 5632, vocab 32000: 0.85B parameters, 2 shards
//      --size 7b: Llama 2 7B's shape (dim 4096, 32 layers, ffn 11008): 6.7B parameters, 4 shards (this repo's
//                 torch.save writer has no ZIP64, so each shard must stay under 4 GiB; Meta ships 1 shard)
//      --size small: dim 512, 4 layers, ffn 1536 (42M parameters, 2 shards): proves the script works in seconds
// 2. Times, in the same run, the peer: `cat` of the shard files to /dev/null (the floor for reading them), then the
//    cross-check exactly as the smoke test runs it on a source folder (openSourceModel → sourceReferenceWeights →
//    streamScoreContinuation) in its own process: a 5-token prompt and 8 compared positions (12 positions computed),
//    every weight read from the files. Reports wall time, CPU time (user+sys, all threads), peak RSS, GFLOP/s of
//    the matrix products, the ratio to cat and to the goal (0.85B: 60 s; 7B: 300 s).
//
// The files were just written, so they are probably in the page cache (cat's time shows it): on a machine with
// less free memory than the checkpoint the run reads from disk, as a real first check does.
//
// Options: --size S, --threads N (default: the inference default), --layers N (override), --rounds N (default 1),
// --keep, --dir D (default os.tmpdir()), --json.

import { spawn } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const log = (s) => process.stderr.write(`${s}\n`);
const PROMPT_TOKENS = 5;
const POSITIONS = 8;

const SIZES = {
  small: { dim: 512, layers: 4, heads: 8, ffn: 1536, vocab: 32000, shards: 2, goal: undefined },
  "0.85b": { dim: 2048, layers: 14, heads: 16, ffn: 5632, vocab: 32000, shards: 2, goal: 60 },
  "7b": { dim: 4096, layers: 32, heads: 32, ffn: 11008, vocab: 32000, shards: 4, goal: 300 },
};

/** The child: one cross-check on DIR, prints one JSON line. */
async function child(dir, threads) {
  const { openSourceModel } = await import(pathToFileURL(join(ROOT, "dist/model/open-source-model.js")).href);
  const { sourceReferenceWeights } = await import(
    pathToFileURL(join(ROOT, "dist/infer/source-reference-weights.js")).href
  );
  const { streamScoreContinuation } = await import(
    pathToFileURL(join(ROOT, "dist/infer/stream-score-continuation.js")).href
  );
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const source = await openSourceModel({ dir });
  const weights = sourceReferenceWeights({ source });
  const c = weights.config;
  const prompt = [1, ...Array.from({ length: PROMPT_TOKENS - 1 }, (_, i) => 100 + i * 37)];
  const continuation = Array.from({ length: POSITIONS }, (_, i) => 500 + i * 101);
  const logits = await streamScoreContinuation({
    weights,
    prompt,
    continuation,
    positions: POSITIONS,
    ...(threads ? { threads } : {}),
  });
  await source.close();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const finite = Array.isArray(logits) && logits.every((l) => l.every(Number.isFinite));
  const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
  const perLayer = 2 * c.dim * c.dim + 2 * kvDim * c.dim + 3 * c.dim * c.hiddenDim;
  const computed = PROMPT_TOKENS + POSITIONS - 1;
  const flops = 2 * (c.nLayers * perLayer * computed + c.vocabSize * c.dim * POSITIONS);
  const peakKb = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);
  const parameters = c.nLayers * perLayer + 2 * c.vocabSize * c.dim;
  process.stdout.write(
    `${JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, flops, parameters, finite, peakRssBytes: peakKb * 1024 })}\n`,
  );
}

function timed(cmd, argv) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const p = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: ROOT });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", reject);
    p.on("close", (code) =>
      code === 0
        ? resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, out })
        : reject(new Error(`${cmd} ${argv.join(" ")} exited ${code}: ${err.slice(-1500)}`)),
    );
  });
}

function tensorsForShard(s, shards) {
  const t = [];
  const add = (name, shape) => t.push({ name, shape });
  add("tok_embeddings.weight", [s.vocab, s.dim / shards]);
  add("norm.weight", [s.dim]);
  add("output.weight", [s.vocab / shards, s.dim]);
  for (let l = 0; l < s.layers; l++) {
    const p = `layers.${l}.`;
    for (const w of ["wq", "wk", "wv"]) add(`${p}attention.${w}.weight`, [s.dim / shards, s.dim]);
    add(`${p}attention.wo.weight`, [s.dim, s.dim / shards]);
    add(`${p}feed_forward.w1.weight`, [s.ffn / shards, s.dim]);
    add(`${p}feed_forward.w2.weight`, [s.dim, s.ffn / shards]);
    add(`${p}feed_forward.w3.weight`, [s.ffn / shards, s.dim]);
    add(`${p}attention_norm.weight`, [s.dim]);
    add(`${p}ffn_norm.weight`, [s.dim]);
  }
  return t;
}

/** Plausible bf16 weights (|w| < 0.03) reused cyclically: fast to generate. */
function makePool(bytes) {
  const r = new Uint32Array(bytes / 2);
  randomFillSync(r);
  const f = new Float32Array(r.length);
  for (let i = 0; i < f.length; i++) f[i] = ((r[i] / 4294967296) * 2 - 1) * 0.03;
  const u = new Uint32Array(f.buffer);
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

const fmt = (n) => `${(n / 2 ** 30).toFixed(2)} GiB`;

async function bench() {
  const sizeName = opt("--size", "0.85b");
  const base = SIZES[sizeName];
  if (!base) throw new Error(`--size must be one of ${Object.keys(SIZES).join(", ")}`);
  const size = { ...base, layers: Number(opt("--layers", String(base.layers))) };
  const threads = opt("--threads", undefined);
  const rounds = Math.max(1, Number(opt("--rounds", "1")));
  const dirBase = opt("--dir", tmpdir());
  const { writeTorchCheckpoint } = await import(pathToFileURL(join(ROOT, "dist/demo/write-torch-checkpoint.js")).href);
  const shardTensors = tensorsForShard(size, size.shards);
  const bytes = shardTensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1) * 2, 0) * size.shards;
  const free = (() => {
    const s = statfsSync(dirBase);
    return s.bavail * s.bsize;
  })();
  log(
    `bench:reference: --size ${sizeName}, ${size.layers} layers, ${size.shards} shards, ${fmt(bytes)} of bf16 weights`,
  );
  if (free < bytes * 1.1) throw new Error(`not enough free disk space in ${dirBase} (${fmt(free)} free)`);
  const work = mkdtempSync(join(dirBase, "lg-bench-reference-"));
  const cleanup = () => {
    if (!args.includes("--keep")) rmSync(work, { recursive: true, force: true });
  };
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    const ck = join(work, `llama-bench-${sizeName}`);
    mkdirSync(ck);
    const t0 = Date.now();
    const pool = makePool(64 * 2 ** 20);
    const ones = (n) => new Uint8Array(new Uint16Array(n).fill(0x3f80).buffer);
    for (let s = 0; s < size.shards; s++) {
      writeTorchCheckpoint(
        join(ck, `consolidated.0${s}.pth`),
        shardTensors.map((t, i) => ({
          name: t.name,
          dtype: "BF16",
          shape: t.shape,
          data: () =>
            t.shape.length === 1 ? ones(t.shape[0]) : fill(t.shape.reduce((a, b) => a * b, 1) * 2, pool, i * 3 + s),
        })),
        { storageOf: (n) => /^layers\.\d+\./.exec(n)?.[0] ?? n },
      );
    }
    writeFileSync(
      join(ck, "params.json"),
      JSON.stringify({
        dim: size.dim,
        multiple_of: 256,
        n_heads: size.heads,
        n_layers: size.layers,
        norm_eps: 1e-5,
        vocab_size: -1,
      }),
    );
    copyFileSync(join(ROOT, "test/fixtures/sentencepiece/llama2-tokenizer.model"), join(ck, "tokenizer.model"));
    const shards = readdirSync(ck)
      .filter((f) => f.endsWith(".pth"))
      .map((f) => join(ck, f));
    log(
      `generated ${fmt(shards.reduce((n, f) => n + statSync(f).size, 0))} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const results = [];
    for (let round = 1; round <= rounds; round++) {
      const cat = await timed("sh", ["-c", 'cat "$@" > /dev/null', "cat", ...shards]);
      const ref = await timed(process.execPath, [
        fileURLToPath(import.meta.url),
        "--child",
        ck,
        ...(threads ? ["--threads", threads] : []),
      ]);
      const r = JSON.parse(ref.out.trim().split("\n").pop());
      if (!r.finite) throw new Error("the reference produced non-finite logits");
      results.push({ round, catSeconds: cat.seconds, ...r });
      log(
        `round ${round}: cat ${cat.seconds.toFixed(2)} s | cross-check ${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s CPU, ` +
          `${(r.flops / 1e9 / r.seconds).toFixed(2)} GFLOP/s, peak RSS ${fmt(r.peakRssBytes)}`,
      );
    }
    const best = results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const summary = {
      size: sizeName,
      parameters: best.parameters,
      checkpointBytes: bytes,
      shards: size.shards,
      threads: threads ? Number(threads) : "default",
      loadAverage: load,
      catSeconds: best.catSeconds,
      crossCheckSeconds: best.seconds,
      cpuSeconds: best.cpuSeconds,
      gflops: best.flops / 1e9,
      gflopsPerSecond: best.flops / 1e9 / best.seconds,
      peakRssBytes: best.peakRssBytes,
      ratioToCat: best.seconds / best.catSeconds,
      ...(size.goal ? { goalSeconds: size.goal, withinGoal: best.seconds <= size.goal } : {}),
      rounds: results,
    };
    if (args.includes("--json")) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      console.log(
        `${(best.parameters / 1e9).toFixed(2)}B parameters (${fmt(bytes)}, ${size.shards} shards), load ${load}: ` +
          `cross-check ${best.seconds.toFixed(2)} s (CPU ${best.cpuSeconds.toFixed(2)} s, ${summary.gflopsPerSecond.toFixed(2)} GFLOP/s, ` +
          `peak RSS ${fmt(best.peakRssBytes)}); cat ${best.catSeconds.toFixed(2)} s, ratio ${summary.ratioToCat.toFixed(1)}` +
          (size.goal ? `; goal ≤ ${size.goal} s: ${summary.withinGoal ? "met" : "NOT met"}` : ""),
      );
    }
  } finally {
    cleanup();
  }
}

if (args[0] === "--child") await child(args[1], args.includes("--threads") ? Number(opt("--threads")) : undefined);
else await bench();
