/**
 * GPT-2's byte-to-unicode map (`bytes_to_unicode`), which byte-level BPE tokenizers (tokenizer.json,
 * GGUF gpt2 vocabularies) use to spell token bytes as printable text: printable Latin-1 bytes map to
 * themselves, the other 68 bytes to U+0100 and up, in byte order.
 */
export function byteLevelAlphabet(): { toChar: string[]; toByte: Map<string, number> } {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const toChar: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) toChar[b] = String.fromCharCode(printable(b) ? b : next++);
  return { toChar, toByte: new Map(toChar.map((c, b) => [c, b])) };
}

/** Token bytes as byte-level text (`token_bytes_to_string`). */
export function byteLevelString(bytes: Uint8Array, toChar: readonly string[]): string {
  let s = "";
  for (const b of bytes) s += toChar[b]!;
  return s;
}
