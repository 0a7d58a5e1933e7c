import type { TiktokenRanks } from "./read-tiktoken.js";

/** The tiktoken rank file text for `ranks` (`<base64> <rank>` lines, newline-terminated), as Meta ships it. */
export function formatTiktoken(ranks: TiktokenRanks): string {
  return ranks.tokens
    .map((t, i) => `${Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString("base64")} ${i}\n`)
    .join("");
}
