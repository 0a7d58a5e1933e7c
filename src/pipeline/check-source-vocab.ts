import { readGgufVocab } from "../convert/read-gguf-vocab.js";
import { readTiktokenGgufVocab } from "../convert/read-tiktoken-gguf-vocab.js";
import { openGguf } from "../formats/gguf/index.js";
import { SmokeTestFailedError } from "../infer/smoke-test/errors.js";
import { openSourceModel } from "../model/open-source-model.js";

/**
 * The tokenizer half of the cross-check against the original weights: the GGUF's vocabulary
 * (tokenizer.ggml.tokens) must be the one the source's tokenizer gives, token for token. A GGUF
 * made with another model's tokenizer runs and its logits may even agree (the reference is fed the
 * GGUF's token ids), so this is checked on its own. Returns the number of tokens compared.
 */
export async function checkSourceVocab(params: {
  /** The GGUF under test. */
  gguf: string;
  /** The Meta folder or HF snapshot it came from. */
  sourceDir: string;
  signal?: AbortSignal;
}): Promise<number> {
  const { gguf, sourceDir, signal } = params;
  const source = await openSourceModel({ dir: sourceDir, ...(signal ? { signal } : {}) });
  let expected: string[];
  try {
    // Only the tokens are compared: the merges (rebuilt from the ranks, the slow part) are not needed.
    if (source.tiktoken) expected = (await readTiktokenGgufVocab({ source, chat: false, merges: false })).tokens;
    else if (source.tokenizerPath)
      expected = (await readGgufVocab({ path: source.tokenizerPath, vocabSize: source.dims.vocabSize })).tokens;
    else return 0;
  } finally {
    await source.close();
  }
  const file = await openGguf({ path: gguf, ...(signal ? { signal } : {}) });
  let actual: readonly unknown[];
  try {
    const e = file.metadata.get("tokenizer.ggml.tokens");
    actual = e && Array.isArray(e.value) ? (e.value as readonly unknown[]) : [];
  } finally {
    await file.close();
  }
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] === expected[i]) continue;
    const show = (x: unknown) => (x === undefined ? "nothing" : JSON.stringify(String(x)).slice(0, 40));
    throw new SmokeTestFailedError(
      "TOKENIZER_MISMATCH",
      `The tokenizer in ${gguf} is not the one of ${sourceDir}: token ${i} is ${show(actual[i])} in the GGUF and ${show(expected[i])} in the source (${actual.length} vs ${expected.length} tokens).`,
      {
        hint: "The GGUF was made with another model's tokenizer: convert again from this folder (its tokenizer.model / tokenizer.json belongs to the weights).",
        details: { position: i, ggufTokens: actual.length, sourceTokens: expected.length },
      },
    );
  }
  return n;
}
