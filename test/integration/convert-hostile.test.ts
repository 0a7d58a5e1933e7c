// Issue 13 item 4 through the built code: a tokenizer with one long piece is refused by the CLI (exit 9, no
// output), and an abort terminates the tokenizer worker at once (the first Ctrl-C stops it).
import { spawn } from "node:child_process";
import { cp, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../helpers/temp-dir.js";

const ROOT = join(__dirname, "../..");
const FIXTURE = join(ROOT, "test/fixtures/torch/tiny-llama-mp2");
const tmp = useTempDir("convert-hostile");

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/llamagate.js"), ...args], {
      env: { ...process.env, CI: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A BPE SentencePiece ModelProto with <unk> <s> </s> and the given NORMAL pieces (formats.md §6.1). */
function tokenizerModel(pieces: string[]): Uint8Array {
  const varint = (n: number) => {
    const out: number[] = [];
    let v = BigInt.asUintN(64, BigInt(n));
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      out.push(b);
    } while (v > 0n);
    return out;
  };
  const ld = (field: number, bytes: number[]) => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
  const vint = (field: number, n: number) => [...varint(field << 3), ...varint(n)];
  const all = [["<unk>", 2], ["<s>", 3], ["</s>", 3], ...pieces.map((p) => [p, 1] as const)] as const;
  const bytes: number[] = [];
  for (const [piece, type] of all) bytes.push(...ld(1, [...ld(1, [...Buffer.from(piece)]), ...vint(3, type)]));
  bytes.push(...ld(2, [...vint(3, 2), ...vint(40, 0), ...vint(41, 1), ...vint(42, 2), ...vint(43, -1)]));
  bytes.push(...ld(3, [...ld(1, [...Buffer.from("identity")]), ...vint(3, 1), ...vint(4, 0), ...vint(5, 1)]));
  return Uint8Array.from(bytes);
}

describe("hostile tokenizers (built CLI)", () => {
  it("a tokenizer.model with a 2,000-character piece: exit 9, one error line naming the piece, nothing written", async () => {
    const dir = join(tmp(), "long-piece");
    await cp(FIXTURE, dir, { recursive: true });
    await writeFile(join(dir, "tokenizer.model"), tokenizerModel(["a", "a".repeat(2000)]));
    const r = await cli(["convert", dir, "--to", "hf"]);
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toMatch(/^error: Tokenizer piece 4 is 2000 characters long/m);
    expect(r.stderr).not.toMatch(/internal/i);
    expect((await readdir(tmp())).filter((n) => n !== "long-piece")).toEqual([]);
  });

  it("an abort terminates the tokenizer worker: it rejects as interrupted and writes nothing afterwards", async () => {
    const mod = (await import(
      join(ROOT, "dist/convert/write-hf-tokenizer-files-isolated.js")
    )) as typeof import("../../src/convert/write-hf-tokenizer-files-isolated.js");
    const tokenizerPath = join(tmp(), "tokenizer.model");
    await writeFile(tokenizerPath, tokenizerModel(["a", "b", "ab"]));
    const params = { tokenizerPath, contextLength: 4096, chat: false, vocabSize: 32000 };
    const dir = join(tmp(), "aborted");
    await mkdir(dir);
    const full = join(tmp(), "full");
    await mkdir(full);
    const ac = new AbortController();
    const run = mod.writeHfTokenizerFilesIsolated({ ...params, dir, signal: ac.signal });
    // A twin run started at the same moment, on the same machine and load, is the gate (not a fixed wait): once it
    // has written its files, the aborted worker would have written its own by then had it kept running.
    const twin = mod.writeHfTokenizerFilesIsolated({ ...params, dir: full });
    ac.abort(); // the worker is starting
    await expect(run).rejects.toMatchObject({ category: "interrupted" });
    await twin;
    expect((await stat(join(full, "tokenizer.json"))).size).toBeGreaterThan(100);
    expect(await readdir(dir)).toEqual([]);
  });
});
