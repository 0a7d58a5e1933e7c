#!/usr/bin/env node
/**
 * Xet and plain-HTTP (LFS) Hub downloads: llamagate against @huggingface/hub, same local servers, same run
 * (issue 18 §6). The servers are the test stand-ins (test/helpers/hub-server.ts + xet-server.ts, compiled here with
 * tsc into .bench/xet-helpers) in a process of their own; each client runs in its own process under /usr/bin/time,
 * so its wall time, CPU (user+sys) and peak RSS are its own.
 *
 *   node scripts/bench-xet.mjs [--files 4] [--size-mb 256] [--runs 1]
 *
 * Goals: Xet llamagate ≥ 1.2× @huggingface/hub's XetBlob speed with peak RSS ≤ 512 MiB; plain HTTP llamagate
 * ≥ 1.2× @huggingface/hub's snapshotDownload (issue 18 §6, issue 16 §4); a no-op rerun of the cached repo takes
 * ≤ 1.2× snapshotDownload's no-op time (issue 16 §4).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const BUILD = join(ROOT, ".bench", "xet-helpers");
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const FILES = arg("files", 4);
const SIZE = arg("size-mb", 256) * (1 << 20);
const RUNS = arg("runs", 1);
const TOKEN = "hf_BenchToken000000000000000000000001";
const COMMIT = "1234567890abcdef1234567890abcdef12345678";

if (process.argv[2] === "--serve") await serve();
else await main();

/** Child role: start the stand-ins with a Xet repo and a plain LFS repo, print their addresses, run until killed. */
async function serve() {
  const { startXetServer } = await import(join(BUILD, "xet-server.js"));
  const { startHubServer } = await import(join(BUILD, "hub-server.js"));
  const xet = await startXetServer({ chunkBytes: 64 << 10, chunksPerXorb: 1024 });
  const files = (seed) =>
    Array.from({ length: FILES }, (_, i) => ({
      path: `model-0000${i + 1}.safetensors`,
      content: weights(SIZE, seed + i),
    }));
  const hub = await startHubServer({
    repos: [
      { id: "bench/xet", commit: COMMIT, files: files(1).map((f) => ({ ...f, xet: true })) },
      { id: "bench/lfs", commit: COMMIT, files: files(100).map((f) => ({ ...f, lfs: true })) },
    ],
    tokens: [{ token: TOKEN, user: "bench", role: "read" }],
    xet,
  });
  process.stdout.write(JSON.stringify({ endpoint: hub.endpoint }) + "\n");
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
}

/** bf16-like weights: random low bytes, a narrow range of high bytes (what makes BG4 worth it on real checkpoints). */
function weights(n, seed) {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i += 2) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
    if (i + 1 < n) b[i + 1] = 0x3c + ((x >>> 8) & 3);
  }
  return b;
}

async function main() {
  await rm(BUILD, { recursive: true, force: true });
  execFileSync(
    join(ROOT, "node_modules/.bin/tsc"),
    [
      ...["--outDir", BUILD, "--module", "NodeNext", "--moduleResolution", "NodeNext", "--target", "ES2022"],
      ...["--skipLibCheck", "--strict", "false", "--types", "node"],
      ...["hub-server.ts", "xet-server.ts", "server-base.ts"].map((f) => join(ROOT, "test/helpers", f)),
    ],
    { stdio: "inherit" },
  );
  await writeFile(join(BUILD, "package.json"), '{"type":"module"}');
  if (!existsSync(join(ROOT, "dist/cli/main.js"))) throw new Error("run `npm run build` first");

  const server = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve", ...process.argv.slice(2)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const { endpoint } = JSON.parse(
    await new Promise((res) => server.stdout.once("data", (d) => res(String(d).split("\n")[0]))),
  );
  const work = join(ROOT, ".bench", "xet-work");
  const total = FILES * SIZE;
  const rows = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const [label, repo, noXet] of [
        ["xet", "bench/xet", false],
        ["http", "bench/lfs", true],
      ]) {
        await rm(work, { recursive: true, force: true });
        await mkdir(work, { recursive: true });
        const lgArgs = [
          join(ROOT, "bin/llamagate.js"),
          "download",
          repo,
          "--source",
          "hf",
          "--json",
          ...(noXet ? ["--no-xet"] : []),
        ];
        const lgEnv = {
          HF_HOME: join(work, "lg"),
          HF_ENDPOINT: endpoint,
          HF_TOKEN: TOKEN,
          HOME: work,
          LLAMAGATE_CONFIG_DIR: join(work, "cfg"),
        };
        const lg = await timed(lgArgs, lgEnv);
        const hf = await timed(["--input-type=module", "-e", peerScript(endpoint, repo, noXet, join(work, "hf"))], {});
        rows.push({ label, lg, hf });
        if (label === "http") {
          // The no-op: both caches hold the repo; each client is asked for it again (issue 16 §4).
          const lgNoop = await timed(lgArgs, lgEnv);
          const hfNoop = await timed(
            ["--input-type=module", "-e", peerScript(endpoint, repo, noXet, join(work, "hf"))],
            {},
          );
          rows.push({ label: "noop", lg: lgNoop, hf: hfNoop });
        }
        await rm(work, { recursive: true, force: true });
      }
    }
  } finally {
    server.stdin.end();
    server.kill();
    await rm(work, { recursive: true, force: true });
  }
  const mib = (b) => (b / (1 << 20)).toFixed(0);
  console.log(`\n${FILES} × ${mib(SIZE)} MiB, same local stand-ins, each client in its own process (/usr/bin/time):`);
  console.log("case  client             wall s  user+sys s  peak RSS MiB  MiB/s");
  for (const r of rows) {
    for (const [name, m] of [
      ["llamagate", r.lg],
      [r.label === "xet" ? "@hf/hub XetBlob" : "@hf/hub snapshotDl", r.hf],
    ])
      console.log(
        `${r.label.padEnd(5)} ${name.padEnd(18)} ${m.wall.toFixed(2).padStart(6)} ${(m.user + m.sys).toFixed(2).padStart(11)} ${String(Math.round(m.rssKb / 1024)).padStart(13)} ${mib(total / m.wall).padStart(6)}`,
      );
    const goal = r.label === "noop" ? "llamagate time ≤ 1.2× the peer's" : "speed ≥ 1.2× the peer's";
    console.log(
      `${r.label}: time ratio llamagate/peer ${(r.lg.wall / r.hf.wall).toFixed(2)} (goal: ${goal}), speed ratio ${(r.hf.wall / r.lg.wall).toFixed(2)}×, CPU ratio ${((r.lg.user + r.lg.sys) / (r.hf.user + r.hf.sys)).toFixed(2)}`,
    );
  }
  console.log(`load average at the end: ${(await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ")}`);
}

/**
 * @huggingface/hub's download of `repo`: Xet files through downloadFile (XetBlob), 4 at once, each streamed to a file;
 * the plain-HTTP repo through snapshotDownload into a Hugging Face cache (what a user of the library calls).
 */
function peerScript(endpoint, repo, noXet, dir) {
  const names = Array.from({ length: FILES }, (_, i) => `model-0000${i + 1}.safetensors`);
  const hub = JSON.stringify(join(ROOT, "node_modules/@huggingface/hub/dist/index.mjs"));
  if (noXet)
    return `
    import { snapshotDownload } from ${hub};
    await snapshotDownload({ repo: ${JSON.stringify(repo)}, revision: ${JSON.stringify(COMMIT)},
      hubUrl: ${JSON.stringify(endpoint)}, accessToken: ${JSON.stringify(TOKEN)}, cacheDir: ${JSON.stringify(dir)} });`;
  return `
    import { downloadFile } from ${hub};
    import { createWriteStream, mkdirSync } from "node:fs";
    import { Readable } from "node:stream";
    import { pipeline } from "node:stream/promises";
    mkdirSync(${JSON.stringify(dir)}, { recursive: true });
    await Promise.all(${JSON.stringify(names)}.map(async (path) => {
      const blob = await downloadFile({ repo: ${JSON.stringify(repo)}, path, revision: ${JSON.stringify(COMMIT)},
        hubUrl: ${JSON.stringify(endpoint)}, accessToken: ${JSON.stringify(TOKEN)}, xet: true,
        fetch: (i, o) => fetch(i, o) });
      await pipeline(Readable.fromWeb(blob.stream()), createWriteStream(${JSON.stringify(dir)} + "/" + path));
    }));`;
}

/** Run node with `args` under /usr/bin/time: wall, user, sys seconds and peak RSS in KiB. */
function timed(args, env) {
  return new Promise((res, rej) => {
    const child = spawn("/usr/bin/time", ["-f", "BENCHTIME %e %U %S %M", process.execPath, ...args], {
      env: { PATH: process.env.PATH, NO_COLOR: "1", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      const m = /BENCHTIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (code !== 0 || !m)
        return rej(new Error(`${args.slice(0, 3).join(" ")} failed (${code}): ${err.slice(-2000)}`));
      res({ wall: Number(m[1]), user: Number(m[2]), sys: Number(m[3]), rssKb: Number(m[4]) });
    });
  });
}
