import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamagateError } from "../../../src/core/errors.js";
import { openGguf } from "../../../src/formats/gguf/index.js";
import { openPth } from "../../../src/formats/pth/index.js";
import { openSafetensors } from "../../../src/formats/safetensors/index.js";
import { parseSentencePiece } from "../../../src/formats/sentencepiece/index.js";

// Seeded mutations of real files: every outcome must be success or a LlamagateError, never a
// RangeError/TypeError/hang. The PRNG is fixed so failures reproduce.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const b = src.slice();
  const kind = rand();
  if (kind < 0.2) return b.subarray(0, Math.floor(rand() * b.length));
  const flips = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(rand() * b.length);
    b[at] = kind < 0.6 ? b[at]! ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
  }
  return b;
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "fuzz-test-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const FIX = join(import.meta.dirname, "../../fixtures");
const readers: [string, string, (p: string) => Promise<unknown>][] = [
  [
    "pth",
    "torch/views-float32.pth",
    async (p) => {
      const s = await openPth({ path: p });
      try {
        for (const t of s.tensors) await t.read();
      } finally {
        await s.close(); // also when a read fails: no file handle is left to the garbage collector
      }
    },
  ],
  [
    "safetensors",
    "safetensors/reference.safetensors",
    async (p) => {
      const s = await openSafetensors({ path: p });
      try {
        for (const t of s.tensors) await t.read();
      } finally {
        await s.close(); // also when a read fails: no file handle is left to the garbage collector
      }
    },
  ],
  [
    "gguf",
    "gguf/reference.gguf",
    async (p) => {
      const g = await openGguf({ path: p });
      try {
        for (const t of g.tensors) await t.read();
      } finally {
        await g.close(); // also when a read fails: no file handle is left to the garbage collector
      }
    },
  ],
];

describe("parsers survive corrupted input", () => {
  for (const [label, fixture, open] of readers) {
    it(`${label}: 150 mutations end in success or a LlamagateError`, async () => {
      const src = new Uint8Array(await readFile(join(FIX, fixture)));
      const rand = rng(label.length * 7919);
      const path = join(tmp, `fuzz.${label}`);
      let failures = 0;
      for (let i = 0; i < 150; i++) {
        await writeFile(path, mutate(src, rand));
        try {
          await open(path);
        } catch (e) {
          failures++;
          expect(e, `${label} mutation ${i}: ${String(e)}`).toBeInstanceOf(LlamagateError);
        }
      }
      expect(failures).toBeGreaterThan(10);
    });
  }
  it("sentencepiece: 15 mutations end in success or a LlamagateError", async () => {
    const src = new Uint8Array(await readFile(join(FIX, "sentencepiece/llama2-tokenizer.model")));
    const rand = rng(42);
    for (let i = 0; i < 15; i++) {
      try {
        parseSentencePiece(mutate(src, rand), "fuzz.model");
      } catch (e) {
        expect(e, `mutation ${i}: ${String(e)}`).toBeInstanceOf(LlamagateError);
      }
    }
  });
});
