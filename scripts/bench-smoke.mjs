#!/usr/bin/env node
// npm run bench:smoke — does llamagate's smoke test cost anything over node-llama-cpp itself?
//
// 1. Generates (once, kept in .bench/smoke/) a random Llama model big enough for meaningful tokens/s:
//    dim 1024, 8 layers, 16 heads, ffn 2816, the real Llama 2 tokenizer (vocab 32000): ~168M parameters,
//    written as a Meta checkpoint and converted by the built CLI to an f16 GGUF (~340 MB).
// 2. In the same run, alternating, ROUNDS times each on that GGUF, on the CPU:
//    - a bare greedy loop written directly against node-llama-cpp's API (getLlama -> loadModel ->
//      createContext -> sequence.evaluate with temperature 0), in its own process (this file with --bare);
//    - llamagate's smokeTest() from dist/ (reference cross-check off: it is not part of the engine speed).
//    Same prompt, same token count, same threads (--threads, default 1: on the shared 2-vCPU development
//    machine llama.cpp's spinning thread pool with 2 threads stalls whenever other processes hold a core).
// 3. Prints the medians and the ratios: tokens/s smoke / bare (goal >= 0.95) and load time smoke / bare
//    (goal <= 1.10). Load = getLlama + loadModel + createContext in both.
//
// Options: --rounds N (default 3), --tokens N (default 32), --threads N (default 1), --json;
// --make-model only writes the GGUF and prints its path (scripts/gpu-smoke.sh uses it).

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const PROMPT = "Once upon a time";

/** The bare loop: nothing of llamagate, only node-llama-cpp. Prints one JSON line. */
async function bare(gguf, maxTokens, threads) {
  const { getLlama } = await import("node-llama-cpp");
  const t0 = performance.now();
  const llama = await getLlama({ gpu: false, build: "never" });
  const model = await llama.loadModel({ modelPath: gguf });
  const context = await model.createContext({ contextSize: 128, threads });
  const loadSeconds = (performance.now() - t0) / 1000;
  const prompt = [model.tokens.bos, ...model.tokenize(PROMPT)];
  const seq = context.getSequence();
  const tokens = [];
  let first = 0;
  let last = 0;
  for await (const t of seq.evaluate(prompt, { temperature: 0 })) {
    last = performance.now();
    if (tokens.length === 0) first = last;
    tokens.push(t);
    if (tokens.length >= maxTokens) break;
  }
  const tokensPerSecond = (tokens.length - 1) / ((last - first) / 1000);
  process.stdout.write(
    `${JSON.stringify({ loadSeconds, tokensPerSecond, tokens, threads: context.currentThreads })}\n`,
  );
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}

function run(cmd, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: ROOT, env: { ...process.env, CI: "1" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${argv.join(" ")} exited ${code}: ${err.slice(-1500)}`)),
    );
  });
}

/** Meta checkpoint of random bf16 weights (1 shard) + params.json + the real Llama 2 tokenizer. */
async function makeModel(dir) {
  const { writeTorchCheckpoint } = await import(pathToFileURL(join(ROOT, "dist/demo/write-torch-checkpoint.js")).href);
  const [DIM, LAYERS, FFN, VOCAB] = [1024, 8, 2816, 32000];
  let seed = 12345;
  const bf16 = (n, scale) => {
    const out = new Uint16Array(n);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      f[0] = ((seed / 4294967296) * 2 - 1) * scale;
      out[i] = u[0] >>> 16;
    }
    return new Uint8Array(out.buffer);
  };
  const ones = (n) => new Uint8Array(new Uint16Array(n).fill(0x3f80).buffer);
  const tensors = [];
  const add = (name, shape, data) => tensors.push({ name, dtype: "BF16", shape, data });
  add("tok_embeddings.weight", [VOCAB, DIM], () => bf16(VOCAB * DIM, 1));
  for (let l = 0; l < LAYERS; l++) {
    const p = `layers.${l}.`;
    for (const w of ["wq", "wk", "wv", "wo"]) add(`${p}attention.${w}.weight`, [DIM, DIM], () => bf16(DIM * DIM, 0.05));
    add(`${p}feed_forward.w1.weight`, [FFN, DIM], () => bf16(FFN * DIM, 0.05));
    add(`${p}feed_forward.w2.weight`, [DIM, FFN], () => bf16(FFN * DIM, 0.03));
    add(`${p}feed_forward.w3.weight`, [FFN, DIM], () => bf16(FFN * DIM, 0.05));
    add(`${p}attention_norm.weight`, [DIM], ones(DIM));
    add(`${p}ffn_norm.weight`, [DIM], ones(DIM));
  }
  add("norm.weight", [DIM], ones(DIM));
  add("output.weight", [VOCAB, DIM], () => bf16(VOCAB * DIM, 0.1));
  mkdirSync(dir, { recursive: true });
  writeTorchCheckpoint(join(dir, "consolidated.00.pth"), tensors);
  const params = { dim: DIM, multiple_of: 256, n_heads: 16, n_layers: LAYERS, norm_eps: 1e-5, vocab_size: -1 };
  writeFileSync(join(dir, "params.json"), JSON.stringify(params));
  writeFileSync(
    join(dir, "tokenizer.model"),
    readFileSync(join(ROOT, "test/fixtures/sentencepiece/llama2-tokenizer.model")),
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function bench() {
  const rounds = Number(opt("--rounds", "3"));
  const maxTokens = Number(opt("--tokens", "32"));
  const threads = Number(opt("--threads", "1"));
  const work = join(ROOT, ".bench/smoke");
  const src = join(work, "random-168m");
  const gguf = join(work, "random-168m-f16.gguf");
  if (!existsSync(gguf)) {
    process.stderr.write("generating the benchmark model (once)...\n");
    await makeModel(src);
    await run(process.execPath, [
      join(ROOT, "bin/llamagate.js"),
      "convert",
      src,
      "--to",
      "gguf",
      "--dtype",
      "f16",
      "--out",
      gguf,
      "--force",
    ]);
  }
  if (args.includes("--make-model")) return void process.stdout.write(`${gguf}\n`);
  const { smokeTest } = await import(pathToFileURL(join(ROOT, "dist/infer/smoke-test/smoke-test.js")).href);
  const rows = { bare: [], smoke: [] };
  let tokens;
  for (let i = 0; i < rounds; i++) {
    const b = JSON.parse(
      await run(process.execPath, [fileURLToPath(import.meta.url), "--bare", gguf, String(maxTokens), String(threads)]),
    );
    rows.bare.push(b);
    const t0 = performance.now();
    const s = await smokeTest({ gguf, prompt: PROMPT, maxTokens, device: "cpu", reference: false, threads });
    rows.smoke.push({ ...s, wallSeconds: (performance.now() - t0) / 1000 });
    if (JSON.stringify(s.tokens) !== JSON.stringify(b.tokens))
      throw new Error("the smoke test and the bare loop generated different tokens");
    tokens = s.tokens.length;
    process.stderr.write(
      `round ${i + 1}: bare ${b.tokensPerSecond.toFixed(1)} tok/s, load ${b.loadSeconds.toFixed(2)} s | `,
    );
    process.stderr.write(`smoke ${s.tokensPerSecond.toFixed(1)} tok/s, load ${s.loadSeconds.toFixed(2)} s\n`);
  }
  const m = (k, side) => median(rows[side].map((r) => r[k]));
  const out = {
    model: {
      gguf,
      parameters: rows.smoke[0].parameters,
      weightType: rows.smoke[0].weightType,
      threads: rows.smoke[0].threads,
    },
    tokens,
    rounds,
    bare: { tokensPerSecond: m("tokensPerSecond", "bare"), loadSeconds: m("loadSeconds", "bare") },
    smoke: {
      tokensPerSecond: m("tokensPerSecond", "smoke"),
      loadSeconds: m("loadSeconds", "smoke"),
      wallSeconds: m("wallSeconds", "smoke"),
    },
  };
  out.tokensPerSecondRatio = out.smoke.tokensPerSecond / out.bare.tokensPerSecond;
  out.loadTimeRatio = out.smoke.loadSeconds / out.bare.loadSeconds;
  if (args.includes("--json")) return void process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  console.log(
    `model: ${(out.model.parameters / 1e6).toFixed(0)}M parameters, ${out.model.weightType}, ${out.model.threads} threads, ${tokens} tokens, ${rounds} rounds (medians)`,
  );
  console.log(
    `bare node-llama-cpp loop: ${out.bare.tokensPerSecond.toFixed(1)} tokens/s, load ${out.bare.loadSeconds.toFixed(2)} s`,
  );
  console.log(
    `llamagate smokeTest():    ${out.smoke.tokensPerSecond.toFixed(1)} tokens/s, load ${out.smoke.loadSeconds.toFixed(2)} s (whole call ${out.smoke.wallSeconds.toFixed(2)} s)`,
  );
  console.log(`tokens/s ratio (goal >= 0.95): ${out.tokensPerSecondRatio.toFixed(3)}`);
  console.log(`load time ratio (goal <= 1.10): ${out.loadTimeRatio.toFixed(3)}`);
}

if (args[0] === "--bare") await bare(args[1], Number(args[2]), Number(args[3]));
else await bench();
