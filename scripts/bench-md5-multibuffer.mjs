#!/usr/bin/env node
/**
 * Issue 20 item 3: is a multi-buffer md5 (4 streams per WebAssembly SIMD pass, one per i32x4 lane) faster than
 * OpenSSL's md5 (node:crypto) one stream at a time, on one core? Not a test: prints MB/s of both in the same run.
 *
 * The kernel is generated here as WAT (64 unrolled steps over i32x4 vectors; F/G by v128.bitselect, rotations by
 * shl|shr_u) and assembled with wabt, which is not a dependency: `npm i --no-save --prefix /tmp/wabt wabt@1.0.39`
 * and run with WABT_DIR=/tmp/wabt (the same way scripts/build-cast-kernel.mjs is run). Checks its digests against
 * node:crypto before timing. The WASM timing includes copying the bytes into the module's memory (the engine would
 * have to), and is also shown without that copy.
 *
 * Env: MD5_LANE_MB (MiB per stream, default 16), MD5_ROUNDS (default 5, best reported).
 */
import { createHash, randomFillSync } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LANE = Number(process.env.MD5_LANE_MB ?? 16) << 20;
const ROUNDS = Number(process.env.MD5_ROUNDS ?? 5);

const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);

/** WAT of md5x4(state, p0, p1, p2, p3, blocks): state = 4 v128 (a, b, c, d; lane k = stream k). */
function md5x4Wat() {
  const L = [];
  const v = (x) => `(local.get $${x})`;
  L.push(`(module (memory (export "memory") 1100)`);
  L.push(
    `(func (export "md5x4") (param $st i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $n i32)`,
  );
  L.push(`(local $a v128) (local $b v128) (local $c v128) (local $d v128)`);
  L.push(`(local $sa v128) (local $sb v128) (local $sc v128) (local $sd v128) (local $t v128)`);
  for (let j = 0; j < 16; j++) L.push(`(local $m${j} v128)`);
  L.push(`(local.set $a (v128.load offset=0 (local.get $st)))`);
  L.push(`(local.set $b (v128.load offset=16 (local.get $st)))`);
  L.push(`(local.set $c (v128.load offset=32 (local.get $st)))`);
  L.push(`(local.set $d (v128.load offset=48 (local.get $st)))`);
  L.push(`(block $done (loop $next`);
  L.push(`(br_if $done (i32.eqz (local.get $n)))`);
  for (let j = 0; j < 16; j++) {
    const ld = (p) => `(i32.load offset=${4 * j} (local.get $${p}))`;
    L.push(
      `(local.set $m${j} (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat ${ld("p0")}) ${ld("p1")}) ${ld("p2")}) ${ld("p3")}))`,
    );
  }
  L.push(`(local.set $sa ${v("a")}) (local.set $sb ${v("b")}) (local.set $sc ${v("c")}) (local.set $sd ${v("d")})`);
  let [a, b, c, d] = ["a", "b", "c", "d"];
  for (let i = 0; i < 64; i++) {
    const r = i >> 4;
    let f;
    let g;
    if (r === 0) [f, g] = [`(v128.bitselect ${v(c)} ${v(d)} ${v(b)})`, i];
    else if (r === 1) [f, g] = [`(v128.bitselect ${v(b)} ${v(c)} ${v(d)})`, (5 * i + 1) % 16];
    else if (r === 2) [f, g] = [`(v128.xor ${v(b)} (v128.xor ${v(c)} ${v(d)}))`, (3 * i + 5) % 16];
    else [f, g] = [`(v128.xor ${v(c)} (v128.or ${v(b)} (v128.not ${v(d)})))`, (7 * i) % 16];
    const s = S[r * 4 + (i % 4)];
    L.push(
      `(local.set $t (i32x4.add (i32x4.add ${v(a)} ${f}) (i32x4.add (local.get $m${g}) (i32x4.splat (i32.const ${K[i]})))))`,
    );
    L.push(
      `(local.set $${a} (i32x4.add ${v(b)} (v128.or (i32x4.shl (local.get $t) (i32.const ${s})) (i32x4.shr_u (local.get $t) (i32.const ${32 - s})))))`,
    );
    [a, b, c, d] = [d, a, b, c];
  }
  L.push(`(local.set $a (i32x4.add ${v("a")} ${v("sa")})) (local.set $b (i32x4.add ${v("b")} ${v("sb")}))`);
  L.push(`(local.set $c (i32x4.add ${v("c")} ${v("sc")})) (local.set $d (i32x4.add ${v("d")} ${v("sd")}))`);
  for (const p of ["p0", "p1", "p2", "p3"]) L.push(`(local.set $${p} (i32.add (local.get $${p}) (i32.const 64)))`);
  L.push(`(local.set $n (i32.sub (local.get $n) (i32.const 1)))`);
  L.push(`(br $next)))`);
  L.push(`(v128.store offset=0 (local.get $st) ${v("a")}) (v128.store offset=16 (local.get $st) ${v("b")})`);
  L.push(`(v128.store offset=32 (local.get $st) ${v("c")}) (v128.store offset=48 (local.get $st) ${v("d")})`);
  L.push(`))`);
  return L.join("\n");
}

async function kernel() {
  const require = createRequire(join(process.env.WABT_DIR ?? ROOT, "noop.js"));
  const wabt = await require("wabt")();
  const { buffer } = wabt.parseWat("md5x4.wat", md5x4Wat(), { simd: true }).toBinary({});
  const { instance } = await WebAssembly.instantiate(buffer);
  return instance.exports;
}

/** md5 padding: the stream's last bytes, 0x80, zeros, the bit length (little-endian), to a multiple of 64. */
function padded(data) {
  const n = data.length;
  const total = Math.ceil((n + 9) / 64) * 64;
  const out = Buffer.alloc(total);
  data.copy(out);
  out[n] = 0x80;
  out.writeUInt32LE((n * 8) >>> 0, total - 8);
  out.writeUInt32LE(Math.floor((n * 8) / 2 ** 32), total - 4);
  return out;
}

async function main() {
  const k = await kernel();
  const mem = new Uint8Array(k.memory.buffer);
  const STATE = 0;
  const base = 4096;
  const lanes = Array.from({ length: 4 }, () => randomFillSync(Buffer.allocUnsafe(LANE)));
  const pads = lanes.map(padded);
  const laneBytes = pads[0].length;
  if (base + 4 * laneBytes > mem.length) throw new Error("MD5_LANE_MB too large for the module's memory");
  const run = (copy) => {
    const st = new Uint32Array(k.memory.buffer, STATE, 16);
    for (let l = 0; l < 4; l++) {
      st[l] = 0x67452301;
      st[4 + l] = 0xefcdab89;
      st[8 + l] = 0x98badcfe;
      st[12 + l] = 0x10325476;
    }
    if (copy) for (let l = 0; l < 4; l++) mem.set(pads[l], base + l * laneBytes);
    k.md5x4(STATE, base, base + laneBytes, base + 2 * laneBytes, base + 3 * laneBytes, laneBytes / 64);
    const out = Buffer.from(k.memory.buffer, STATE, 64);
    return [0, 1, 2, 3].map((l) =>
      Buffer.concat([0, 1, 2, 3].map((w) => out.subarray(w * 16 + l * 4, w * 16 + l * 4 + 4))).toString("hex"),
    );
  };
  const got = run(true);
  const want = lanes.map((b) => createHash("md5").update(b).digest("hex"));
  if (got.join() !== want.join()) throw new Error(`md5x4 digests differ from node:crypto: ${got} vs ${want}`);
  const bytes = 4 * LANE;
  const time = (fn) => {
    let best = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = process.cpuUsage();
      fn();
      const t = process.cpuUsage(t0);
      best = Math.min(best, (t.user + t.system) / 1e6);
    }
    return best;
  };
  const openssl = time(() => lanes.forEach((b) => createHash("md5").update(b).digest()));
  const wasmCopy = time(() => run(true));
  const wasmOnly = time(() => run(false));
  const sha = time(() => lanes.forEach((b) => createHash("sha256").update(b).digest()));
  const mbps = (s) => (bytes / 1e6 / s).toFixed(0);
  console.log(`md5 of 4 streams x ${LANE >> 20} MiB, one thread, best CPU time of ${ROUNDS} (digests checked)`);
  console.log(`  OpenSSL md5, one stream after another     ${openssl.toFixed(3)} s  ${mbps(openssl)} MB/s`);
  console.log(
    `  WASM SIMD md5x4, 4 streams per pass        ${wasmCopy.toFixed(3)} s  ${mbps(wasmCopy)} MB/s (copy into wasm memory included): ${(openssl / wasmCopy).toFixed(2)}x OpenSSL`,
  );
  console.log(
    `  WASM SIMD md5x4 without the copy           ${wasmOnly.toFixed(3)} s  ${mbps(wasmOnly)} MB/s: ${(openssl / wasmOnly).toFixed(2)}x OpenSSL`,
  );
  console.log(`  (sha256 beside it, OpenSSL, same bytes:    ${sha.toFixed(3)} s  ${mbps(sha)} MB/s)`);
}

main().catch((e) => {
  console.error(`bench-md5-multibuffer: ${e.message}`);
  process.exit(1);
});
