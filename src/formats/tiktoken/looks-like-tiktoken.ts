/** True when `head` (the first bytes of a tokenizer.model) looks like tiktoken text, not SentencePiece protobuf. */
export function looksLikeTiktoken(head: Uint8Array): boolean {
  const line = Buffer.from(head).toString("latin1").split("\n")[0] ?? "";
  return /^[A-Za-z0-9+/]+={0,2} \d+$/.test(line);
}
