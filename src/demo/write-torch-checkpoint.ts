// Writes PyTorch zip checkpoints (the torch.save format) without Python: the demo's small real checkpoint,
// the tests' fixtures and the conversion benchmark all use it.
//
// Layout as torch writes it (formats.md §1): root folder = file basename without extension,
// records data.pkl, .format_version, .storage_alignment, byteorder, data/<key> (64-byte aligned
// via an 'FB' extra field, stored), version, .data/serialization_id; then the central directory.
// The pickle is protocol 2: an OrderedDict of torch._utils._rebuild_tensor_v2 calls whose storages
// are BINPERSID ('storage', torch.<X>Storage, key, 'cpu', numel) tuples. No ZIP64 (files < 4 GiB).

import { closeSync, openSync, writeSync } from "node:fs";
import { basename } from "node:path";
import { crc32 } from "node:zlib";

type TorchDType = "F32" | "F16" | "BF16" | "I64" | "I32";

const STORAGE: Record<TorchDType, string> = {
  F32: "FloatStorage",
  F16: "HalfStorage",
  BF16: "BFloat16Storage",
  I64: "LongStorage",
  I32: "IntStorage",
};
const ITEM: Record<TorchDType, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };

class Pickle {
  parts: Buffer[] = [];
  memo = 0;
  raw(...bytes: number[]): void {
    this.parts.push(Buffer.from(bytes));
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    const h = Buffer.alloc(5);
    h[0] = 0x58; // X BINUNICODE
    h.writeUInt32LE(b.length, 1);
    this.parts.push(h, b);
    this.put();
  }
  global(mod: string, name: string): void {
    this.parts.push(Buffer.from(`c${mod}\n${name}\n`, "latin1"));
    this.put();
  }
  put(): void {
    // BINPUT / LONG_BINPUT like CPython does (memo entries are never read back here)
    if (this.memo < 256) this.raw(0x71, this.memo);
    else {
      const b = Buffer.alloc(5);
      b[0] = 0x72;
      b.writeUInt32LE(this.memo, 1);
      this.parts.push(b);
    }
    this.memo++;
  }
  int(n: number): void {
    if (n >= 0 && n < 256) this.raw(0x4b, n);
    else if (n >= 0 && n < 65536) this.raw(0x4d, n & 0xff, n >>> 8);
    else if (n >= -0x80000000 && n <= 0x7fffffff) {
      const b = Buffer.alloc(5);
      b[0] = 0x4a;
      b.writeInt32LE(n, 1);
      this.parts.push(b);
    } else {
      // LONG1 with 8 little-endian bytes (enough for any tensor here)
      const b = Buffer.alloc(10);
      b[0] = 0x8a;
      b[1] = 8;
      b.writeBigInt64LE(BigInt(n), 2);
      this.parts.push(b);
    }
  }
  tuple(items: number[]): void {
    if (items.length === 0) return this.raw(0x29);
    this.raw(0x28);
    for (const i of items) this.int(i);
    this.raw(0x74);
    this.put();
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** One tensor to write: its bytes in row-major order (or a function producing them when written). */
export interface TorchTensorInput {
  name: string;
  dtype: TorchDType;
  shape: number[];
  data: Uint8Array | (() => Uint8Array);
}

interface Storage {
  key: string;
  dtype: TorchDType;
  members: { t: TorchTensorInput; offset: number }[];
  numel: number;
}

/**
 * Write `tensors` to `path` as torch.save does; returns the file size. `storageOf` groups tensors into
 * shared storages (same key: one data/<k> blob, tensors at offsets), like Meta's files.
 */
export function writeTorchCheckpoint(
  path: string,
  tensors: TorchTensorInput[],
  options: { storageOf?: (name: string) => string; rootName?: string } = {},
): number {
  const root = options.rootName ?? basename(path).replace(/\.[^.]*$/, "");
  const groupOf = options.storageOf ?? ((name: string) => name);
  // storages in first-seen order, each a list of tensors with element offsets
  const storages = new Map<string, Storage>();
  for (const t of tensors) {
    const g = groupOf(t.name);
    if (!storages.has(g)) storages.set(g, { key: String(storages.size), dtype: t.dtype, members: [], numel: 0 });
    const s = storages.get(g)!;
    if (s.dtype !== t.dtype) throw new Error(`storage group ${g} mixes dtypes`);
    const numel = t.shape.reduce((a, b) => a * b, 1);
    s.members.push({ t, offset: s.numel });
    s.numel += numel;
  }
  const pk = new Pickle();
  pk.raw(0x80, 2);
  pk.global("collections", "OrderedDict");
  pk.raw(0x29, 0x52); // () REDUCE
  pk.put();
  pk.raw(0x28); // MARK for SETITEMS
  for (const s of storages.values()) {
    for (const { t, offset } of s.members) {
      pk.str(t.name);
      pk.global("torch._utils", "_rebuild_tensor_v2");
      pk.raw(0x28); // args MARK
      pk.raw(0x28); // persistent id MARK
      pk.str("storage");
      pk.global("torch", STORAGE[t.dtype]);
      pk.str(s.key);
      pk.str("cpu");
      pk.int(s.numel);
      pk.raw(0x74); // TUPLE
      pk.put();
      pk.raw(0x51); // BINPERSID
      pk.int(offset);
      pk.tuple(t.shape);
      const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
      pk.tuple(stride);
      pk.raw(0x89); // False
      pk.global("collections", "OrderedDict");
      pk.raw(0x29, 0x52); // () REDUCE
      pk.put();
      pk.raw(0x74); // TUPLE
      pk.put();
      pk.raw(0x52); // REDUCE
      pk.put();
    }
  }
  pk.raw(0x75, 0x2e); // SETITEMS STOP

  const fd = openSync(path, "w");
  let pos = 0;
  const central: { nameBytes: Buffer; crc: number; size: number; offset: number }[] = [];
  const write = (buf: Buffer) => {
    writeSync(fd, buf, 0, buf.length, pos);
    pos += buf.length;
  };
  const entry = (name: string, size: number, chunks: () => Iterable<Uint8Array>) => {
    const nameBytes = Buffer.from(`${root}/${name}`, "utf8");
    const headerStart = pos;
    const base = headerStart + 30 + nameBytes.length + 4;
    const pad = (64 - (base % 64)) % 64;
    const local = Buffer.alloc(30 + nameBytes.length + 4 + pad, 0x5a);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10); // time/date
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(4 + pad, 28);
    nameBytes.copy(local, 30);
    local.write("FB", 30 + nameBytes.length, "latin1");
    local.writeUInt16LE(pad, 30 + nameBytes.length + 2);
    write(local);
    let crc = 0;
    let written = 0;
    for (const c of chunks()) {
      crc = crc32(c, crc);
      written += c.byteLength;
      write(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    }
    if (written !== size) throw new Error(`${name}: wrote ${written} bytes, expected ${size}`);
    const crcBuf = Buffer.alloc(4);
    crcBuf.writeUInt32LE(crc >>> 0, 0);
    writeSync(fd, crcBuf, 0, 4, headerStart + 14);
    if (pos > 0xffffffff) throw new Error("checkpoint over 4 GiB needs ZIP64, which this test writer does not do");
    central.push({ nameBytes, crc: crc >>> 0, size, offset: headerStart });
  };
  const dataOf = (t: TorchTensorInput) => (typeof t.data === "function" ? t.data() : t.data);
  try {
    const small = (name: string, text: string | Buffer) => {
      const b = typeof text === "string" ? Buffer.from(text) : text;
      entry(name, b.length, () => [b]);
    };
    small("data.pkl", pk.bytes());
    small(".format_version", "1");
    small(".storage_alignment", "64");
    small("byteorder", "little");
    for (const s of storages.values()) {
      entry(`data/${s.key}`, s.numel * ITEM[s.dtype], function* () {
        for (const { t } of s.members) {
          const d = dataOf(t);
          const want = t.shape.reduce((a, b) => a * b, 1) * ITEM[t.dtype];
          if (d.byteLength !== want) throw new Error(`${t.name}: ${d.byteLength} bytes, expected ${want}`);
          yield d;
        }
      });
    }
    small("version", "3\n");
    small(".data/serialization_id", "1234567890123456789012345678901234567890");
    const cdStart = pos;
    for (const c of central) {
      const h = Buffer.alloc(46 + c.nameBytes.length);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(0x031e, 4);
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(0x0800, 8);
      h.writeUInt16LE(0, 10);
      h.writeUInt32LE(c.crc, 16);
      h.writeUInt32LE(c.size, 20);
      h.writeUInt32LE(c.size, 24);
      h.writeUInt16LE(c.nameBytes.length, 28);
      h.writeUInt32LE(c.offset, 42);
      c.nameBytes.copy(h, 46);
      write(h);
    }
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(central.length, 8);
    eocd.writeUInt16LE(central.length, 10);
    eocd.writeUInt32LE(pos - cdStart, 12);
    eocd.writeUInt32LE(cdStart, 16);
    write(eocd);
  } finally {
    closeSync(fd);
  }
  return pos;
}
