import { expect } from "vitest";

/**
 * Byte-for-byte equality of two files' contents. Not `toEqual`: on a Buffer it walks every byte through the
 * generic deep equality (about 4 s per MB on the 2-core machine). A failure names the sizes and the first
 * differing byte instead of printing the bytes.
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what = "bytes"): void {
  const same = Buffer.compare(actual, expected) === 0;
  expect(same, same ? what : `${what}: ${describeDifference(actual, expected)}`).toBe(true);
}

function describeDifference(actual: Uint8Array, expected: Uint8Array): string {
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  return `${actual.length} bytes, expected ${expected.length}; the first difference is at byte ${at}`;
}
