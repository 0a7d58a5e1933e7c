// Issue 13: hostile inputs to the parsers (items 2, 3, 4, 7, 15). Each bound is tested just past it.
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorruptFileError } from "../../../src/formats/errors.js";
import { openGguf } from "../../../src/formats/gguf/index.js";
import { MAX_LIST_ITEMS } from "../../../src/formats/gguf/parse-gguf-header.js";
import { MAX_CONFIG_JSON_BYTES, readCappedText } from "../../../src/formats/io/read-capped-text.js";
import { openPth } from "../../../src/formats/pth/index.js";
import { StorageRef } from "../../../src/formats/pth/pickle-values.js";
import { MAX_PICKLE_STACK, MAX_PICKLE_UNITS, unpickle } from "../../../src/formats/pth/unpickle.js";
import { openSafetensorsFile } from "../../../src/formats/safetensors/index.js";
import { MAX_HEADER_SEPARATORS } from "../../../src/formats/safetensors/parse-safetensors-header.js";
import { MAX_MERGE_CHARS, MAX_PIECE_LENGTH } from "../../../src/formats/sentencepiece/build-tokenizer-json.js";
import {
  buildTokenizerJson,
  MODEL_TYPE,
  PIECE_TYPE,
  type SentencePieceModel,
} from "../../../src/formats/sentencepiece/index.js";
import { useTempDir } from "../../helpers/temp-dir.js";
import { PickleBuilder } from "./helpers/build-pickle.js";
import { buildZip } from "./helpers/build-zip.js";

const tmp = useTempDir("hostile-parsers");

/** protocol 2, `count` times `op`, STOP. */
function repeated(op: number, count: number, prefix: number[] = []): Uint8Array {
  const b = new Uint8Array(2 + prefix.length + count + 1);
  b.set([0x80, 0x02, ...prefix]);
  b.fill(op, 2 + prefix.length, 2 + prefix.length + count);
  b[b.length - 1] = 0x2e;
  return b;
}
const run = (bytes: Uint8Array) => () => unpickle({ bytes, what: "data.pkl", persistentLoad: (x) => x });

describe("item 2: the unpickler budgets what it builds", () => {
  it("refuses EMPTY_DICT repeated (the 20 MB bomb) once past the budget, as a corrupt checkpoint", () => {
    const dicts = MAX_PICKLE_UNITS / 16 + 1; // a dict costs 16 units
    const err = (() => {
      try {
        run(repeated(0x7d, dicts))();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as Error).message).toMatch(/more values than any state dict needs/);
  });
  it("builds exactly the budget and refuses one unit more", () => {
    // MARK + NONEs + POP_MARK (one unit per MARK and NONE), then NONE STOP
    const units = (n: number) => repeated(0x4e, n - 2, [0x28]).slice(0, -1);
    const pickle = (n: number) => Uint8Array.from([...units(n), 0x31, 0x4e, 0x2e]);
    const at = (n: number, maxUnits: number) => () =>
      unpickle({ bytes: pickle(n), what: "data.pkl", persistentLoad: (x) => x, maxUnits });
    expect(at(1000, 1000)()).toBeNull();
    expect(at(1001, 1000)).toThrow(/more values than any state dict needs/);
    // dicts cost 16: 62 dicts + MARK + NONE = 994 units fit in 1000, 63 do not
    const dicts = (n: number) =>
      Uint8Array.from([0x80, 0x02, 0x28, ...new Array<number>(n).fill(0x7d), 0x31, 0x4e, 0x2e]);
    expect(unpickle({ bytes: dicts(62), what: "d", persistentLoad: (x) => x, maxUnits: 1000 })).toBeNull();
    expect(() => unpickle({ bytes: dicts(63), what: "d", persistentLoad: (x) => x, maxUnits: 1000 })).toThrow(
      /more values/,
    );
  });
  it("refuses a value stack deeper than the bound", () => {
    // MARK, N x NONE, POP_MARK, NONE, STOP: the stack holds the mark and N values at its deepest
    const deep = (n: number) => {
      const b = repeated(0x4e, n, [0x28]);
      const out = new Uint8Array(b.length + 2);
      out.set(b.subarray(0, b.length - 1));
      out.set([0x31, 0x4e, 0x2e], b.length - 1);
      return out;
    };
    expect(run(deep(MAX_PICKLE_STACK - 1))()).toBeNull();
    expect(run(deep(MAX_PICKLE_STACK))).toThrow(/value stack deeper than/);
  });
  it("charges container slots: BINGET + APPEND of one value cannot fill the heap", () => {
    const appends = (n: number) => {
      const b = new Uint8Array(5 + 3 * n + 1);
      b.set([0x80, 0x02, 0x5d, 0x71, 0x00]); // EMPTY_LIST BINPUT 0
      for (let i = 0; i < n; i++) b.set([0x68, 0x00, 0x61], 5 + 3 * i); // BINGET 0, APPEND
      b[b.length - 1] = 0x2e;
      return b;
    };
    // list + memo entry + 499 x (a push and a slot) = 1000 units
    const opts = { what: "data.pkl", persistentLoad: (x: unknown) => x as never, maxUnits: 1000 };
    expect(unpickle({ bytes: appends(499), ...opts })).toMatchObject({ items: expect.any(Array) });
    expect(() => unpickle({ bytes: appends(500), ...opts })).toThrow(/more values than any state dict needs/);
  });
  it("a state dict of 5,000 tensors stays far inside the budget", () => {
    const pkl = new PickleBuilder().raw(0x7d, 0x28);
    for (let i = 0; i < 5_000; i++)
      pkl
        .str(`layers.${i}.w`)
        .tensor({ type: "FloatStorage", key: String(i), numel: 4, offset: 0, shape: [2, 2], stride: [2, 1] });
    const storage = new StorageRef("0", "F32", 4);
    const top = unpickle({ bytes: pkl.raw(0x75).build(), what: "data.pkl", persistentLoad: () => storage });
    expect((top as { map: Map<string, unknown> }).map.size).toBe(5_000);
  });
});

/** A .pth whose one tensor views a storage of `numel` f32 elements with the given shape and stride. */
async function viewPth(name: string, numel: number, shape: number[], stride: number[]): Promise<string> {
  const pkl = new PickleBuilder()
    .raw(0x7d, 0x28)
    .str("w")
    .tensor({ type: "FloatStorage", key: "0", numel, offset: 0, shape, stride })
    .raw(0x75)
    .build();
  const path = join(tmp(), name);
  await writeFile(
    path,
    buildZip([
      { name: "archive/data.pkl", data: pkl },
      { name: "archive/data/0", data: new Uint8Array(numel * 4) },
    ]),
  );
  return path;
}

describe("item 3: views that read storage elements more than once are refused", () => {
  it("refuses a stride-0 view over a 1-element storage (it would be written as 1 GiB)", async () => {
    const p = await viewPth("stride0.pth", 1, [1 << 28], [0]);
    await expect(openPth({ path: p })).rejects.toMatchObject({ code: "OVERLAPPING_VIEW", category: "conversion" });
  });
  it("refuses overlapping strides within the storage, and a view one element larger than its storage", async () => {
    await expect(openPth({ path: await viewPth("overlap.pth", 4, [2, 2], [1, 1]) })).rejects.toMatchObject({
      code: "OVERLAPPING_VIEW",
    });
    await expect(openPth({ path: await viewPth("rows.pth", 6, [3, 3], [2, 1]) })).rejects.toMatchObject({
      code: "OVERLAPPING_VIEW",
    });
  });
  it("still reads transposed views and size-1 dims with any stride", async () => {
    const t = await openPth({ path: await viewPth("t.pth", 6, [3, 2], [1, 3]) });
    expect(t.get("w")!.byteLength).toBe(24);
    await t.close();
    const b = await openPth({ path: await viewPth("b.pth", 4, [1, 4], [0, 1]) });
    expect(b.get("w")!.shape).toEqual([1, 4]);
    await b.close();
  });
});

/** A safetensors file with no tensors and the given __metadata__. */
async function metadataOnly(name: string, metadata: Record<string, string>): Promise<string> {
  const header = Buffer.from(JSON.stringify({ __metadata__: metadata }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const path = join(tmp(), name);
  await writeFile(path, Buffer.concat([len, header]));
  return path;
}

describe("item 7: JSON bombs", () => {
  it("bounds the values a safetensors header may hold, counted before JSON.parse", async () => {
    // {"__metadata__":{"a":",,,"}}: 2 colons + the commas
    const at = await openSafetensorsFile({
      path: await metadataOnly("at.safetensors", { a: ",".repeat(MAX_HEADER_SEPARATORS - 2) }),
    });
    expect(at.metadata["a"]!.length).toBe(MAX_HEADER_SEPARATORS - 2);
    await at.close();
    const past = await metadataOnly("past.safetensors", { a: ",".repeat(MAX_HEADER_SEPARATORS - 1) });
    await expect(openSafetensorsFile({ path: past })).rejects.toMatchObject({
      code: "HEADER_TOO_LARGE",
      category: "conversion",
    });
  });
  it("reads a config of exactly the cap and refuses one byte more, whatever stat() says", async () => {
    const at = join(tmp(), "at.json");
    await writeFile(at, `{}${" ".repeat(MAX_CONFIG_JSON_BYTES - 2)}`);
    expect((await readCappedText({ path: at, maxBytes: MAX_CONFIG_JSON_BYTES, what: "at.json" })).length).toBe(
      MAX_CONFIG_JSON_BYTES,
    );
    const past = join(tmp(), "past.json");
    await writeFile(past, `{}${" ".repeat(MAX_CONFIG_JSON_BYTES - 1)}`);
    await expect(
      readCappedText({ path: past, maxBytes: MAX_CONFIG_JSON_BYTES, what: "past.json" }),
    ).rejects.toMatchObject({ code: "FILE_TOO_LARGE" });
    // a device reports size 0 but never ends
    const dev = join(tmp(), "zero.json");
    await symlink("/dev/zero", dev);
    await expect(
      readCappedText({ path: dev, maxBytes: MAX_CONFIG_JSON_BYTES, what: "zero.json" }),
    ).rejects.toMatchObject({ code: "FILE_TOO_LARGE" });
  });
});

/** A GGUF v3 file with one array KV of `n` items of type id `itemType`, its bytes sparse (zeros). */
function ggufWithArray(path: string, itemType: number, n: number, itemBytes: number): void {
  const key = Buffer.from("big");
  const h = Buffer.alloc(4 + 4 + 8 + 8 + 8 + key.length + 4 + 4 + 8);
  let o = h.write("GGUF", 0);
  o = h.writeUInt32LE(3, o);
  o = h.writeBigUInt64LE(0n, o);
  o = h.writeBigUInt64LE(1n, o);
  o = h.writeBigUInt64LE(BigInt(key.length), o);
  o += key.copy(h, o);
  o = h.writeUInt32LE(9, o);
  o = h.writeUInt32LE(itemType, o);
  h.writeBigUInt64LE(BigInt(n), o);
  const fd = openSync(path, "w");
  writeSync(fd, h);
  ftruncateSync(fd, h.length + n * itemBytes);
  closeSync(fd);
}

describe("item 15: GGUF arrays", () => {
  it("keeps numeric arrays typed (one byte per u8 item in memory, as in the file)", async () => {
    const p = join(tmp(), "u8.gguf");
    ggufWithArray(p, 0, 3_000_000, 1);
    const g = await openGguf({ path: p });
    const v = g.metadata.get("big")!.value;
    expect(v).toBeInstanceOf(Uint8Array);
    expect((v as Uint8Array).length).toBe(3_000_000);
    await g.close();
  });
  it("refuses a string array one past the item bound, before reading its items", async () => {
    const p = join(tmp(), "strings.gguf");
    ggufWithArray(p, 8, MAX_LIST_ITEMS + 1, 8); // empty strings: an 8-byte length each
    await expect(openGguf({ path: p })).rejects.toMatchObject({
      code: "CORRUPT_GGUF",
      message: expect.stringContaining(`at most ${MAX_LIST_ITEMS}`),
    });
  });
});

/** A BPE model with <unk> <s> </s> and the given NORMAL pieces (scores decreasing). */
function model(pieces: string[]): SentencePieceModel {
  return {
    pieces: [
      { piece: "<unk>", score: 0, type: PIECE_TYPE.UNKNOWN },
      { piece: "<s>", score: 0, type: PIECE_TYPE.CONTROL },
      { piece: "</s>", score: 0, type: PIECE_TYPE.CONTROL },
      ...pieces.map((piece, i) => ({ piece, score: -i, type: PIECE_TYPE.NORMAL })),
    ],
    modelType: MODEL_TYPE.BPE,
    vocabSize: undefined,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkPiece: "<unk>",
    bosPiece: "<s>",
    eosPiece: "</s>",
    padPiece: "<pad>",
    unkSurface: " \u2047 ",
    byteFallback: true,
    splitDigits: false,
    treatWhitespaceAsSuffix: false,
    normalizerName: "identity",
    precompiledCharsmapBytes: 0,
    addDummyPrefix: true,
    removeExtraWhitespaces: false,
    escapeWhitespaces: true,
  } as SentencePieceModel;
}

/** transformers' SentencePieceExtractor, literally: every split by code point, both halves in the vocab. */
function referenceMerges(m: SentencePieceModel): string[] {
  const scored = m.pieces.map((p, id) => ({ piece: p.piece, score: id < 3 ? 0 : p.score }));
  const vocab = new Map<string, number>();
  scored.forEach((p, id) => vocab.has(p.piece) || vocab.set(p.piece, id));
  const all: { l: string; r: string; score: number }[] = [];
  for (const { piece, score } of scored) {
    const chars = Array.from(piece);
    const local = [];
    for (let i = 1; i < chars.length; i++) {
      const l = chars.slice(0, i).join("");
      const r = chars.slice(i).join("");
      if (vocab.has(l) && vocab.has(r)) local.push({ l, r, score });
    }
    local.sort((a, b) => vocab.get(a.l)! - vocab.get(b.l)! || vocab.get(a.r)! - vocab.get(b.r)!);
    all.push(...local);
  }
  all.sort((a, b) => b.score - a.score);
  return all.map((x) => `${x.l} ${x.r}`);
}

describe("item 4: long tokenizer pieces", () => {
  it("finds the same merges as transformers for long pieces and surrogate pairs (split by index)", () => {
    const ladder = Array.from({ length: 150 }, (_, k) => "a".repeat(k + 1));
    const emoji = ["😀", "b", "😀b", "b😀", "😀😀", `b${"😀".repeat(40)}`, `${"😀".repeat(40)}`, `${"😀".repeat(39)}`];
    const m = model([...ladder, ...emoji, `x${"a".repeat(149)}`, "x"]);
    const merges = buildTokenizerJson(m).model as { merges: string[] };
    expect(merges.merges).toEqual(referenceMerges(m));
    expect(merges.merges.length).toBeGreaterThan(11_000);
  });
  it(`refuses a piece one character past ${MAX_PIECE_LENGTH}, naming it`, () => {
    expect(() => buildTokenizerJson(model(["a", "a".repeat(MAX_PIECE_LENGTH)]))).not.toThrow();
    expect(() => buildTokenizerJson(model(["a", "a".repeat(MAX_PIECE_LENGTH + 1)]))).toThrow(
      expect.objectContaining({ code: "TOKENIZER_PIECE_TOO_LONG", message: expect.stringContaining("piece 4") }),
    );
  });
  it(`refuses a vocabulary whose merges would pass ${MAX_MERGE_CHARS} characters`, () => {
    // a, aa, ..., a^1024: the piece a^k has k-1 merges of k characters (~1024^3/3 in all)
    const ladder = Array.from({ length: MAX_PIECE_LENGTH }, (_, k) => "a".repeat(k + 1));
    expect(() => buildTokenizerJson(model(ladder))).toThrow(expect.objectContaining({ code: "TOKENIZER_TOO_LARGE" }));
  });
});
