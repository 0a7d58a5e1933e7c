import { LlamagateError } from "../core/errors.js";
import { MD5_KERNEL_WASM } from "./md5-kernel-wasm.js";

/** Memory layout of the kernel module (257 pages; see scripts/build-md5-kernel.mjs). */
const STATE = 0; // 4 x v128: a, b, c, d; lane k = stream k
const SCRATCH = 1024; // the last block(s) of a stream with its padding
const STAGE_BASE = 4096;
const STAGE = 4 << 20; // bytes staged per lane at most (a few of the engine's 1 MiB write batches)
const LANES = 4;
/** Four lanes are hashed together once each has at least this much staged. */
const TOGETHER = 16 << 10;

/** One md5 stream on a lane of the multi-buffer kernel. */
export interface Md5Lane {
  update(bytes: Uint8Array): void;
  /** Lower-case hex digest; frees the lane. */
  digest(): string;
  /** Free the lane without a digest. */
  release(): void;
}

/** Up to four md5 streams hashed together, 4 per WebAssembly SIMD pass. */
export interface Md5Lanes {
  /** A free lane, or undefined when all four are taken (hash that stream another way). */
  open(): Md5Lane | undefined;
}

interface Kernel {
  memory: { readonly buffer: ArrayBuffer };
  md5x4(st: number, p0: number, p1: number, p2: number, p3: number, blocks: number): void;
  md5x1(st: number, lane: number, p: number, blocks: number): void;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

/**
 * Multi-buffer md5 in the calling thread (issue 20 item 3): each stream's bytes are staged in the kernel's memory
 * (one copy) and hashed four streams per SIMD pass whenever every lane has enough staged (1.8x OpenSSL's md5 per core
 * with that copy, scripts/bench-md5-multibuffer.mjs) as soon as every lane has some staged; a lane whose stage is
 * full while another lags is hashed alone
 * (the scalar kernel, 0.8x OpenSSL). Undefined where WebAssembly SIMD is unavailable.
 *
 * Not wired into the engine: with 8 files arriving at once on 2 cores the streams' rates differ enough that ~60% of
 * the lanes' bytes went through the scalar kernel, and the run cost more CPU than OpenSSL (docs/performance.md).
 * What it needs first: streams kept in step (e.g. a lane's connection waits while its stage is full, bounded so a
 * slow file cannot hold the others).
 */
export function createMd5Lanes(): Md5Lanes | undefined {
  let k: Kernel;
  try {
    // The project's TypeScript libs do not declare WebAssembly.
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    k = new wasm.Instance(new wasm.Module(Buffer.from(MD5_KERNEL_WASM, "base64"))).exports as unknown as Kernel;
  } catch {
    return undefined; // no WebAssembly SIMD here: md5 stays with OpenSSL
  }
  const mem = new Uint8Array(k.memory.buffer);
  const st = new Uint32Array(k.memory.buffer, STATE, 16);
  const lanes: ({ fill: number; total: number } | undefined)[] = Array.from({ length: LANES }, () => undefined);
  const base = (j: number) => STAGE_BASE + j * STAGE;

  /** Drop the first `n` staged bytes of lane j (hashed). */
  const consume = (j: number, n: number) => {
    const l = lanes[j]!;
    if (n < l.fill) mem.copyWithin(base(j), base(j) + n, base(j) + l.fill);
    l.fill -= n;
  };
  /** Hash four lanes together as soon as each has enough staged (lanes stay nearly empty while rates are alike). */
  const together = () => {
    let least = Infinity;
    for (const l of lanes) least = Math.min(least, l ? l.fill : 0);
    const blocks = Math.floor(least / 64);
    if (blocks * 64 < TOGETHER) return;
    k.md5x4(STATE, base(0), base(1), base(2), base(3), blocks);
    for (let i = 0; i < LANES; i++) consume(i, blocks * 64);
  };
  /** Lane j is full while another lags (a slow file): hash its oldest bytes alone, down to half full. */
  const drain = (j: number) => {
    const excess = Math.ceil((lanes[j]!.fill - STAGE / 2) / 64);
    if (excess > 0) {
      k.md5x1(STATE, j, base(j), excess);
      consume(j, excess * 64);
    }
  };

  const lane = (j: number): Md5Lane => {
    let open = true;
    const gone = () => new LlamagateError("MD5_LANE_CLOSED", "internal", "An md5 lane was used after its digest.");
    return {
      update(bytes) {
        if (!open) throw gone();
        for (let off = 0; off < bytes.length;) {
          const l = lanes[j]!;
          if (l.fill === STAGE) drain(j);
          const n = Math.min(STAGE - l.fill, bytes.length - off);
          mem.set(bytes.subarray(off, off + n), base(j) + l.fill);
          l.fill += n;
          l.total += n;
          off += n;
          together();
        }
      },
      digest() {
        if (!open) throw gone();
        const l = lanes[j]!;
        const full = Math.floor(l.fill / 64);
        if (full > 0) k.md5x1(STATE, j, base(j), full);
        // The rest (< 64 bytes), 0x80, zeros and the length in bits (little-endian): one or two blocks.
        const rest = l.fill - full * 64;
        const padded = rest + 9 <= 64 ? 64 : 128;
        mem.fill(0, SCRATCH, SCRATCH + 128);
        mem.copyWithin(SCRATCH, base(j) + full * 64, base(j) + l.fill);
        mem[SCRATCH + rest] = 0x80;
        const bits = l.total * 8;
        const view = new DataView(k.memory.buffer);
        view.setUint32(SCRATCH + padded - 8, bits >>> 0, true);
        view.setUint32(SCRATCH + padded - 4, Math.floor(bits / 2 ** 32), true);
        k.md5x1(STATE, j, SCRATCH, padded / 64);
        const out = Buffer.alloc(16);
        for (let w = 0; w < 4; w++) out.writeUInt32LE(st[w * 4 + j]!, w * 4);
        this.release();
        return out.toString("hex");
      },
      release() {
        if (!open) return;
        open = false;
        lanes[j] = undefined;
      },
    };
  };

  return {
    open() {
      const j = lanes.indexOf(undefined);
      if (j < 0) return undefined;
      lanes[j] = { fill: 0, total: 0 };
      [st[j], st[4 + j], st[8 + j], st[12 + j]] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
      return lane(j);
    },
  };
}
