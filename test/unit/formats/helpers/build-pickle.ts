/** Test helper: assemble pickle bytes opcode by opcode (independent of the unpickler under test). */

const enc = new TextEncoder();

export class PickleBuilder {
  private bytes: number[] = [0x80, 0x02];
  raw(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  str(s: string): this {
    const b = enc.encode(s);
    this.bytes.push(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24, ...b);
    return this;
  }
  global(module: string, name: string): this {
    this.bytes.push(0x63, ...enc.encode(`${module}\n${name}\n`));
    return this;
  }
  int(n: number): this {
    if (n < 256) this.bytes.push(0x4b, n);
    else if (n < 65536) this.bytes.push(0x4d, n & 0xff, n >> 8);
    else this.bytes.push(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
    return this;
  }
  tuple(build: (b: this) => void): this {
    this.bytes.push(0x28);
    build(this);
    this.bytes.push(0x74);
    return this;
  }
  /** `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, shape, stride, False, OrderedDict())` */
  tensor(t: { type: string; key: string; numel: number; offset: number; shape: number[]; stride: number[] }): this {
    this.global("torch._utils", "_rebuild_tensor_v2");
    this.tuple((b) => {
      b.tuple((p) => p.str("storage").global("torch", t.type).str(t.key).str("cpu").int(t.numel));
      b.raw(0x51); // BINPERSID
      b.int(t.offset);
      b.tuple((s) => t.shape.forEach((n) => s.int(n)));
      b.tuple((s) => t.stride.forEach((n) => s.int(n)));
      b.raw(0x89); // False
      b.global("collections", "OrderedDict").raw(0x29, 0x52);
    });
    return this.raw(0x52);
  }
  build(): Uint8Array {
    return new Uint8Array([...this.bytes, 0x2e]);
  }
}
