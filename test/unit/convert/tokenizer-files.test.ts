import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGgufVocab } from "../../../src/convert/read-gguf-vocab.js";
import { writeHfTokenizerFiles } from "../../../src/convert/write-hf-tokenizer-files.js";
import { expectSameBytes } from "../../helpers/expect-same-bytes.js";

const LLAMA2 = join(__dirname, "../../fixtures/sentencepiece/llama2-tokenizer.model");

describe("tokenizer files from the real Llama 2 tokenizer.model", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lg-tok-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("writes tokenizer.model, tokenizer.json, tokenizer_config.json (chat template) and special_tokens_map.json", async () => {
    const files = await writeHfTokenizerFiles({
      tokenizerPath: LLAMA2,
      dir,
      contextLength: 4096,
      chat: true,
      vocabSize: 32000,
    });
    expect(files.sort()).toEqual([
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer.model",
      "tokenizer_config.json",
    ]);
    expectSameBytes(await readFile(join(dir, "tokenizer.model")), await readFile(LLAMA2), "tokenizer.model");
    const cfg = JSON.parse(await readFile(join(dir, "tokenizer_config.json"), "utf8"));
    expect(cfg).toMatchObject({
      add_bos_token: true,
      add_eos_token: false,
      bos_token: "<s>",
      eos_token: "</s>",
      unk_token: "<unk>",
      model_max_length: 4096,
      tokenizer_class: "LlamaTokenizer",
      added_tokens_decoder: {
        "0": { content: "<unk>", special: true },
        "1": { content: "<s>" },
        "2": { content: "</s>" },
      },
    });
    expect(cfg.chat_template).toContain("'[INST] ' + content.strip() + ' [/INST]'");
    expect(cfg.chat_template).toContain("'<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n'");
    const map = JSON.parse(await readFile(join(dir, "special_tokens_map.json"), "utf8"));
    expect(map.bos_token).toEqual({
      content: "<s>",
      lstrip: false,
      normalized: false,
      rstrip: false,
      single_word: false,
    });
    const tj = JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8"));
    expect(tj.model.type).toBe("BPE");
    expect(Object.keys(tj.model.vocab)).toHaveLength(32000);
    expect(tj.model.vocab["<0x0A>"]).toBe(13);
  });

  it("base models get no chat template", async () => {
    const d2 = join(dir, "base");
    await import("node:fs/promises").then((f) => f.mkdir(d2));
    await writeHfTokenizerFiles({ tokenizerPath: LLAMA2, dir: d2, contextLength: 4096, chat: false, vocabSize: 32000 });
    expect(JSON.parse(await readFile(join(d2, "tokenizer_config.json"), "utf8")).chat_template).toBeUndefined();
  });

  it("GGUF vocab: 32000 pieces with SentencePiece types and special ids; too-small models are refused", async () => {
    const v = await readGgufVocab({ path: LLAMA2, vocabSize: 32000 });
    expect(v.tokens).toHaveLength(32000);
    expect(v.tokens.slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
    expect(v.types.slice(0, 4)).toEqual([2, 3, 3, 6]);
    expect(v.types[258]).toBe(6); // <0xFF>
    expect(v.types[259]).toBe(1);
    expect([v.unkId, v.bosId, v.eosId, v.padId]).toEqual([0, 1, 2, -1]);
    expect(v.addSpacePrefix).toBe(true);
    const padded = await readGgufVocab({ path: LLAMA2, vocabSize: 32016 }); // Code Llama 7B/13B size
    expect(padded.tokens[32015]).toBe("[PAD32015]");
    expect(padded.types[32015]).toBe(5);
    await expect(readGgufVocab({ path: LLAMA2, vocabSize: 100 })).rejects.toMatchObject({ code: "VOCAB_MISMATCH" });
  });
});
