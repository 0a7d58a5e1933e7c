export { readTiktoken, parseTiktoken, type TiktokenRanks } from "./read-tiktoken.js";
export { looksLikeTiktoken } from "./looks-like-tiktoken.js";
export { formatTiktoken } from "./format-tiktoken.js";
export { byteLevelAlphabet, byteLevelString } from "./byte-level-unicode.js";
export { buildTiktokenMerges } from "./build-tiktoken-merges.js";
export { buildTiktokenTokenizerJson, type BuildTiktokenTokenizerJsonParams } from "./build-tiktoken-tokenizer-json.js";
export { tiktokenFromTokenizerJson, type TiktokenFromTokenizerJson } from "./tiktoken-from-tokenizer-json.js";
export { llama3SpecialTokens, LLAMA3_BASE_TOKENS, LLAMA3_PATTERN } from "./llama3-special-tokens.js";
