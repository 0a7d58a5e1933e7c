/**
 * Bit-level IEEE 754 half (binary16) conversions. Node 20 has no Float16Array, so these are
 * written out by hand: round-to-nearest-even, subnormals kept, NaN stays NaN, overflow goes to Inf.
 */

const scratch = () => {
  const f = new Float32Array(1);
  return { f, u: new Uint32Array(f.buffer) };
};

/** Convert the bits of an f32 (as u32) to f16 bits with round-to-nearest-even. */
export function f32BitsToF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: signed zero
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) !== 0)) half++;
    return sign | half; // a carry lands on the smallest normal, which is correct
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) !== 0)) half++; // may carry into Inf: correct
  return sign | half;
}

/** Convert f16 bits to the bits of the exactly equal f32 (as u32). */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // subnormal half: normalise into an f32 exponent
  let m = mant;
  let e = 113;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/** Round a JS number to f16 and return its bits (convenience for scalars such as Q8_0 scales). */
export function numberToF16Bits(x: number): number {
  const s = scratch();
  s.f[0] = x;
  return f32BitsToF16Bits(s.u[0]!);
}

/** The value of f16 bits as a JS number. */
export function f16BitsToNumber(h: number): number {
  const s = scratch();
  s.u[0] = f16BitsToF32Bits(h);
  return s.f[0]!;
}
