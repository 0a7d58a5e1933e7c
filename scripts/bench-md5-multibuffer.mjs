#!/usr/bin/env node
/**
 * Issue 20 item 3: is a multi-buffer md5 (4 streams per WebAssembly SIMD pass, one per i32x4 lane) faster than
 * OpenSSL's md5 (node:crypto) one stream at a time, on one core? Not a test: prints MB/s of both in the same run.
 *
 * The kernel is src/verify/create-md5-lanes.ts's (scripts/md5-kernel-wat.mjs: 64 unrolled steps over i32x4
 * vectors; F/G by v128.bitselect, rotations by shl|shr_u), assembled here with wabt, which is not a dependency:
 * `npm i --no-save --prefix /tmp/wabt wabt@1.0.39`, then run with WABT_DIR=/tmp/wabt (as for
 * scripts/build-cast-kernel.mjs). Digests are checked against node:crypto before timing. The WASM timing includes
 * copying the bytes into the module's memory (the engine would have to), and is also shown without that copy.
 *
 * Env: MD5_LANE_MB (MiB per stream, default 16), MD5_ROUNDS (default 5, best reported).
 */
import { createHash, randomFillSync } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { md5KernelWat } from "./md5-kernel-wat.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LANE = Number(process.env.MD5_LANE_MB ?? 16) << 20;
const ROUNDS = Number(process.env.MD5_ROUNDS ?? 5);

async function kernel() {
  const require = createRequire(join(process.env.WABT_DIR ?? ROOT, "noop.js"));
  const wabt = await require("wabt")();
  const { buffer } = wabt.parseWat("md5-kernel.wat", md5KernelWat({ pages: 1100 }), { simd: true }).toBinary({});
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
  // md5x1 (one lane alone, scalar WebAssembly), on lane 0's stream.
  const one = () => {
    const st = new Uint32Array(k.memory.buffer, STATE, 16);
    [st[0], st[4], st[8], st[12]] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    for (let l = 0; l < 4; l++) k.md5x1(STATE, 0, base + l * laneBytes, laneBytes / 64);
    const out = Buffer.from(k.memory.buffer, STATE, 64);
    return Buffer.concat([0, 1, 2, 3].map((w) => out.subarray(w * 16, w * 16 + 4))).toString("hex");
  };
  run(true);
  const st0 = new Uint32Array(k.memory.buffer, STATE, 16);
  [st0[0], st0[4], st0[8], st0[12]] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  k.md5x1(STATE, 0, base, laneBytes / 64);
  const o1 = Buffer.from(k.memory.buffer, STATE, 64);
  const d1 = Buffer.concat([0, 1, 2, 3].map((w) => o1.subarray(w * 16, w * 16 + 4))).toString("hex");
  if (d1 !== want[0]) throw new Error("md5x1 digest differs from node:crypto");
  const scalar = time(one);
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
  console.log(
    `  WASM md5x1, one stream after another      ${scalar.toFixed(3)} s  ${mbps(scalar)} MB/s: ${(openssl / scalar).toFixed(2)}x OpenSSL`,
  );
  console.log(`  (sha256 beside it, OpenSSL, same bytes:    ${sha.toFixed(3)} s  ${mbps(sha)} MB/s)`);
}

main().catch((e) => {
  console.error(`bench-md5-multibuffer: ${e.message}`);
  process.exit(1);
});
