import { LlamagateError } from "../core/errors.js";
import { MD5_KERNEL_WASM } from "./md5-kernel-wasm.js";

/** Memory layout of the kernel module (257 pages; see scripts/build-md5-kernel.mjs). */
const STATE = 0; // 4 x v128: a, b, c, d; lane k = stream k
const SCRATCH = 1024; // the last block(s) of a stream with its padding
const STAGE_BASE = 4096;
const AREA = 4 << 20; // each lane's area in the module's memory
/** Bytes staged per lane at most (1 MiB: reads of that size, and few pages touched). */
const STAGE = 1 << 20;
const LANES = 4;
const INITIAL = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

/** One md5 stream on a lane of the multi-buffer kernel. */
export interface Md5Lane {
  /** The lane's free staging room (a view of the kernel's memory): put bytes there, then `commit` them. */
  room(): Uint8Array;
  /** The first `n` bytes of `room()` are the stream's next bytes. */
  commit(n: number): void;
  /** Bytes committed and not hashed yet. */
  readonly staged: number;
  /** Lower-case hex digest; frees the lane. */
  digest(): string;
  /** Free the lane without a digest. */
  release(): void;
}

/** Up to four md5 streams hashed together, 4 per WebAssembly SIMD pass. */
export interface Md5Lanes {
  /** A free lane, or undefined when all four are taken (hash that stream another way). */
  open(): Md5Lane | undefined;
  /**
   * One pass over `lanes` (each with at least one whole block staged): the same number of blocks of each, as many as
   * the one with the fewest has; four lanes' streams per SIMD pass, a single lane by the scalar kernel. Lanes not
   * named keep their state. Returns the bytes hashed per lane.
   */
  pass(lanes: readonly Md5Lane[]): number;
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

/** Per lane: staged bytes are [head, fill) of its area; total counts every byte committed. */
interface LaneState {
  head: number;
  fill: number;
  total: number;
}

/**
 * Multi-buffer md5 (issue 20 item 3): four streams hashed per WebAssembly SIMD pass (2.1x OpenSSL's md5 per core
 * when the bytes are read straight into the kernel's memory, 1.8x with a copy; scripts/bench-md5-multibuffer.mjs);
 * a lane hashed alone goes through the scalar kernel (0.8x OpenSSL). The caller decides when to pass (the hashing
 * worker waits until its lanes all have bytes staged). Undefined where WebAssembly SIMD is unavailable.
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
  const states: (LaneState | undefined)[] = Array.from({ length: LANES }, () => undefined);
  const handles = new Map<Md5Lane, number>();
  const base = (j: number) => STAGE_BASE + j * AREA;

  /** Where lane j's unhashed bytes start. */
  const at = (j: number) => base(j) + states[j]!.head;

  const hashBlocks = (which: readonly number[], blocks: number) => {
    if (which.length === 1) {
      k.md5x1(STATE, which[0]!, at(which[0]!), blocks);
    } else {
      // md5x4 advances all four states: keep those of the lanes not in this pass, and give them any valid pointer.
      const keep = [0, 1, 2, 3]
        .filter((j) => !which.includes(j))
        .map((j) => [j, st[j], st[4 + j], st[8 + j], st[12 + j]]);
      const p = [0, 1, 2, 3].map((j) => at(which.includes(j) ? j : which[0]!));
      k.md5x4(STATE, p[0]!, p[1]!, p[2]!, p[3]!, blocks);
      for (const [j, a, b, c, d] of keep) [st[j!], st[4 + j!], st[8 + j!], st[12 + j!]] = [a!, b!, c!, d!];
    }
    for (const j of which) {
      const s = states[j]!;
      s.head += blocks * 64;
      if (s.head === s.fill) s.head = s.fill = 0;
    }
  };

  const lane = (j: number): Md5Lane => {
    const s = states[j]!;
    let open = true;
    const gone = () => new LlamagateError("MD5_LANE_CLOSED", "internal", "An md5 lane was used after its digest.");
    const self: Md5Lane = {
      room() {
        if (!open) throw gone();
        // Less than a block of room left behind unhashed bytes: move them to the front.
        if (s.head > 0 && STAGE - s.fill < 64 << 10) {
          mem.copyWithin(base(j), base(j) + s.head, base(j) + s.fill);
          s.fill -= s.head;
          s.head = 0;
        }
        return mem.subarray(base(j) + s.fill, base(j) + STAGE);
      },
      commit(n) {
        if (!open) throw gone();
        if (n < 0 || s.fill + n > STAGE) throw new RangeError(`md5 lane: ${n} bytes do not fit the stage`);
        s.fill += n;
        s.total += n;
      },
      get staged() {
        return s.fill - s.head;
      },
      digest() {
        if (!open) throw gone();
        const full = Math.floor(self.staged / 64);
        if (full > 0) hashBlocks([j], full);
        // The rest (< 64 bytes), 0x80, zeros and the length in bits (little-endian): one or two blocks.
        const rest = self.staged;
        const padded = rest + 9 <= 64 ? 64 : 128;
        mem.fill(0, SCRATCH, SCRATCH + 128);
        mem.copyWithin(SCRATCH, base(j) + s.head, base(j) + s.fill);
        mem[SCRATCH + rest] = 0x80;
        const bits = s.total * 8;
        const view = new DataView(k.memory.buffer);
        view.setUint32(SCRATCH + padded - 8, bits >>> 0, true);
        view.setUint32(SCRATCH + padded - 4, Math.floor(bits / 2 ** 32), true);
        k.md5x1(STATE, j, SCRATCH, padded / 64);
        const out = Buffer.alloc(16);
        for (let w = 0; w < 4; w++) out.writeUInt32LE(st[w * 4 + j]!, w * 4);
        self.release();
        return out.toString("hex");
      },
      release() {
        if (!open) return;
        open = false;
        states[j] = undefined;
        handles.delete(self);
      },
    };
    handles.set(self, j);
    return self;
  };

  return {
    open() {
      const j = states.indexOf(undefined);
      if (j < 0) return undefined;
      states[j] = { head: 0, fill: 0, total: 0 };
      for (let w = 0; w < 4; w++) st[w * 4 + j] = INITIAL[w]!;
      return lane(j);
    },
    pass(lanes) {
      const which = lanes.map((l) => {
        const j = handles.get(l);
        if (j === undefined)
          throw new LlamagateError("MD5_LANE_CLOSED", "internal", "An md5 lane was used after its digest.");
        return j;
      });
      const blocks = Math.min(...which.map((j) => Math.floor((states[j]!.fill - states[j]!.head) / 64)));
      if (which.length === 0 || blocks < 1) return 0;
      hashBlocks(which, blocks);
      return blocks * 64;
    },
  };
}
