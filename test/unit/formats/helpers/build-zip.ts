/** Test helper: write a zip archive by hand (stored or fake-"deflated" entries, optional forced ZIP64). */

function crc32(data: Uint8Array): number {
  let c = ~0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

export interface ZipInput {
  name: string;
  data: Uint8Array;
  /** Method written in the headers (data is always stored as given). */
  method?: number;
}

/** Options: forced ZIP64 records; torch-style "FB" padding in local headers so data is 64-aligned. */
export interface ZipOptions {
  zip64?: boolean;
  align64?: boolean;
}

export function buildZip(entries: ZipInput[], opts: ZipOptions = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  let pos = 0;
  const push = (b: Uint8Array) => {
    chunks.push(b);
    pos += b.length;
  };
  const central: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const e of entries) {
    const name = enc.encode(e.name);
    const crc = crc32(e.data);
    const offset = pos;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, opts.zip64 ? 45 : 20, true);
    local.setUint16(8, e.method ?? 0, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, e.data.length, true);
    local.setUint32(22, e.data.length, true);
    local.setUint16(26, name.length, true);
    // torch's writer pads with a local-only extra field: 'F','B', u16 length, then 'Z' bytes
    let pad = 0;
    if (opts.align64) {
      pad = (64 - ((offset + 30 + name.length + 4) % 64)) % 64;
      local.setUint16(28, 4 + pad, true);
    }
    push(new Uint8Array(local.buffer));
    push(name);
    if (opts.align64) {
      const fb = new Uint8Array(4 + pad).fill(0x5a);
      fb.set([0x46, 0x42, pad & 0xff, pad >> 8]);
      push(fb);
    }
    push(e.data);
    const extra = opts.zip64 ? new DataView(new ArrayBuffer(28)) : undefined;
    if (extra) {
      extra.setUint16(0, 0x0001, true);
      extra.setUint16(2, 24, true);
      extra.setBigUint64(4, BigInt(e.data.length), true);
      extra.setBigUint64(12, BigInt(e.data.length), true);
      extra.setBigUint64(20, BigInt(offset), true);
    }
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(4, 45, true);
    cd.setUint16(6, opts.zip64 ? 45 : 20, true);
    cd.setUint16(10, e.method ?? 0, true);
    cd.setUint32(16, crc, true);
    cd.setUint32(20, opts.zip64 ? 0xffffffff : e.data.length, true);
    cd.setUint32(24, opts.zip64 ? 0xffffffff : e.data.length, true);
    cd.setUint16(28, name.length, true);
    cd.setUint16(30, extra ? extra.byteLength : 0, true);
    cd.setUint32(42, opts.zip64 ? 0xffffffff : offset, true);
    central.push(new Uint8Array(cd.buffer), name);
    if (extra) central.push(new Uint8Array(extra.buffer));
  }
  const cdOffset = pos;
  for (const c of central) push(c);
  const cdSize = pos - cdOffset;
  if (opts.zip64) {
    const z64Offset = pos;
    const z = new DataView(new ArrayBuffer(56));
    z.setUint32(0, 0x06064b50, true);
    z.setBigUint64(4, 44n, true);
    z.setUint16(12, 45, true);
    z.setUint16(14, 45, true);
    z.setBigUint64(24, BigInt(entries.length), true);
    z.setBigUint64(32, BigInt(entries.length), true);
    z.setBigUint64(40, BigInt(cdSize), true);
    z.setBigUint64(48, BigInt(cdOffset), true);
    push(new Uint8Array(z.buffer));
    const loc = new DataView(new ArrayBuffer(20));
    loc.setUint32(0, 0x07064b50, true);
    loc.setBigUint64(8, BigInt(z64Offset), true);
    loc.setUint32(16, 1, true);
    push(new Uint8Array(loc.buffer));
  }
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, opts.zip64 ? 0xffff : entries.length, true);
  eocd.setUint16(10, opts.zip64 ? 0xffff : entries.length, true);
  eocd.setUint32(12, opts.zip64 ? 0xffffffff : cdSize, true);
  eocd.setUint32(16, opts.zip64 ? 0xffffffff : cdOffset, true);
  push(new Uint8Array(eocd.buffer));
  const out = new Uint8Array(pos);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
