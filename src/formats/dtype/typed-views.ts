/** Typed-array views over byte buffers, copying only when the bytes are not suitably aligned. */

function aligned(bytes: Uint8Array, size: number): Uint8Array {
  return bytes.byteOffset % size === 0 ? bytes : bytes.slice();
}

export function viewU16(bytes: Uint8Array): Uint16Array {
  const b = aligned(bytes, 2);
  return new Uint16Array(b.buffer, b.byteOffset, b.byteLength >>> 1);
}

export function viewU32(bytes: Uint8Array): Uint32Array {
  const b = aligned(bytes, 4);
  return new Uint32Array(b.buffer, b.byteOffset, b.byteLength >>> 2);
}

export function viewF64(bytes: Uint8Array): Float64Array {
  const b = aligned(bytes, 8);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength >>> 3);
}
