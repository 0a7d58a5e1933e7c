import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptFileError, UnsafeCheckpointError, UnsupportedFormatError } from "../../../src/formats/errors.js";
import { openPth } from "../../../src/formats/pth/index.js";
import { buildZip } from "./helpers/build-zip.js";
import { PickleBuilder } from "./helpers/build-pickle.js";

const FIX = join(import.meta.dirname, "../../fixtures/torch");
const TORCH_DTYPE: Record<string, string> = { float32: "F32", float16: "F16", bfloat16: "BF16" };
interface Expected {
  dtype: string;
  shape: number[];
  sha256_le_bytes: string;
}
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "pth-test-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeTmp(name: string, bytes: Uint8Array): Promise<string> {
  const p = join(tmp, name);
  await writeFile(p, bytes);
  return p;
}

/** A one-tensor checkpoint: 4 f32 values 1,2,3,4 in storage "0", viewed as described. */
function oneTensor(
  opts: {
    numel?: number;
    offset?: number;
    shape?: number[];
    stride?: number[];
    dataBytes?: number;
    root?: string;
    method?: number;
    zip64?: boolean;
    align64?: boolean;
  } = {},
) {
  const pkl = new PickleBuilder()
    .raw(0x7d, 0x28) // EMPTY_DICT MARK
    .str("w")
    .tensor({
      type: "FloatStorage",
      key: "0",
      numel: opts.numel ?? 4,
      offset: opts.offset ?? 0,
      shape: opts.shape ?? [2, 2],
      stride: opts.stride ?? [2, 1],
    })
    .raw(0x75) // SETITEMS
    .build();
  const data = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer).slice(0, opts.dataBytes ?? 16);
  const root = opts.root ?? "archive";
  return buildZip(
    [
      { name: `${root}/data.pkl`, data: pkl },
      { name: `${root}/data/0`, data, method: opts.method },
      { name: `${root}/version`, data: new TextEncoder().encode("3\n") },
    ],
    { zip64: opts.zip64, align64: opts.align64 },
  );
}

describe("openPth on real torch.save files", async () => {
  const expected = JSON.parse(await readFile(join(FIX, "expected.json"), "utf8")) as {
    files: Record<string, Record<string, Expected>>;
  };
  const files = Object.keys(expected.files).filter((f) => f.endsWith(".pth"));
  it("covers every fixture file", () => expect(files.length).toBe(6));
  for (const file of files) {
    it(`reads ${file}: names, dtypes, shapes and sha256 of every tensor`, async () => {
      const src = await openPth({ path: join(FIX, file) });
      try {
        const want = expected.files[file]!;
        expect(src.tensors.map((t) => t.name).sort()).toEqual(Object.keys(want).sort());
        for (const [name, e] of Object.entries(want)) {
          const t = src.get(name)!;
          expect(t.dtype).toBe(TORCH_DTYPE[e.dtype]);
          expect(t.shape).toEqual(e.shape);
          const bytes = await t.read();
          expect(bytes.length).toBe(t.byteLength);
          expect(sha(bytes), `${file} ${name}`).toBe(e.sha256_le_bytes);
        }
      } finally {
        await src.close();
      }
    });
  }
  it("gathers transposed and sliced views of one shared storage", async () => {
    const src = await openPth({ path: join(FIX, "views-float32.pth") });
    const f = async (n: string) => Array.from(new Float32Array((await src.get(n)!.read()).slice().buffer));
    expect((await f("transposed")).slice(0, 4)).toEqual([0, 6, 12, 18]);
    expect(await f("slice")).toEqual([1, 2, 7, 8, 13, 14, 19, 20]);
    expect(await f("row2")).toEqual([12, 13, 14, 15, 16, 17]);
    await src.close();
  });
});

describe("openPth on hand-built archives", () => {
  it("accepts any root folder name and forced ZIP64 records", async () => {
    const src = await openPth({ path: await writeTmp("z64.pth", oneTensor({ root: "consolidated.00", zip64: true })) });
    expect(Array.from(new Float32Array((await src.get("w")!.read()).slice().buffer))).toEqual([1, 2, 3, 4]);
    await src.close();
  });
  it("finds data after torch's 64-byte alignment padding in the local header", async () => {
    const bytes = oneTensor({ align64: true, zip64: true });
    const src = await openPth({ path: await writeTmp("aligned.pth", bytes) });
    expect(Array.from(new Float32Array((await src.get("w")!.read()).slice().buffer))).toEqual([1, 2, 3, 4]);
    await src.close();
  });
  it("stops reading when the signal is aborted", async () => {
    const src = await openPth({ path: join(FIX, "dict-float32.pth") });
    const ac = new AbortController();
    ac.abort();
    await expect(src.tensors[0]!.read(ac.signal)).rejects.toMatchObject({ category: "interrupted" });
    await src.close();
    await expect(src.tensors[0]!.read()).rejects.toThrow(/closed/);
  });
  it("honours storage offsets", async () => {
    const src = await openPth({ path: await writeTmp("off.pth", oneTensor({ offset: 1, shape: [3], stride: [1] })) });
    expect(Array.from(new Float32Array((await src.get("w")!.read()).slice().buffer))).toEqual([2, 3, 4]);
    await src.close();
  });
  it("refuses a tensor that reaches past its storage", async () => {
    const p = await writeTmp("beyond.pth", oneTensor({ offset: 2, shape: [2, 2], stride: [2, 1] }));
    await expect(openPth({ path: p })).rejects.toThrow(/reaches past its storage/);
    const q = await writeTmp("beyond2.pth", oneTensor({ shape: [2, 2], stride: [3, 1] }));
    await expect(openPth({ path: q })).rejects.toBeInstanceOf(CorruptFileError);
  });
  it("refuses a storage whose zip entry has the wrong size", async () => {
    await expect(openPth({ path: await writeTmp("short.pth", oneTensor({ dataBytes: 12 })) })).rejects.toThrow(
      /holds 12 bytes but the pickle declares 16/,
    );
  });
  it("refuses compressed entries with a clear error", async () => {
    const err = await openPth({ path: await writeTmp("deflate.pth", oneTensor({ method: 8 })) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect((err as Error).message).toMatch(/compressed/);
  });
  it("refuses truncated files", async () => {
    const full = await readFile(join(FIX, "dict-float32.pth"));
    for (const cut of [10, 100, 500, full.length - 30]) {
      const err = await openPth({ path: await writeTmp(`trunc${cut}.pth`, full.subarray(0, cut)) }).catch(
        (e: unknown) => e,
      );
      expect(err, `cut at ${cut}`).toBeInstanceOf(CorruptFileError);
      expect((err as CorruptFileError).category).toBe("conversion");
    }
  });
  it("refuses duplicate entries and local headers that disagree with the directory", async () => {
    const dup = oneTensor();
    const twice = buildZip([
      { name: "archive/data.pkl", data: new Uint8Array([0x80, 0x02, 0x7d, 0x2e]) },
      { name: "archive/data.pkl", data: new Uint8Array([0x80, 0x02, 0x7d, 0x2e]) },
    ]);
    await expect(openPth({ path: await writeTmp("dup.pth", twice) })).rejects.toThrow(/same file twice/);
    // rename the first local header's file name (it starts at byte 30)
    const renamed = dup.slice();
    renamed[30] = "X".charCodeAt(0);
    await expect(openPth({ path: await writeTmp("renamed.pth", renamed) })).rejects.toThrow(/names a different file/);
  });
  it("reads a state_dict pickle with OrderedDict, BUILD(_metadata), parameters and protocol-4 opcodes", async () => {
    const pkl = new PickleBuilder()
      .raw(0x95, 0, 0, 0, 0, 0, 0, 0, 0) // FRAME (length is advisory)
      .global("collections", "OrderedDict")
      .raw(0x29, 0x52, 0x94) // OrderedDict() MEMOIZE
      .raw(0x28) // MARK
      .raw(0x8c, 1, 0x70) // SHORT_BINUNICODE "p"
      .global("torch._utils", "_rebuild_parameter")
      .tuple((b) => {
        b.tensor({ type: "FloatStorage", key: "0", numel: 4, offset: 0, shape: [4], stride: [1] });
        b.raw(0x88); // True (requires_grad)
        b.global("collections", "OrderedDict").raw(0x29, 0x52);
      })
      .raw(0x52) // REDUCE -> parameter
      .str("step")
      .raw(0x8a, 2, 0x00, 0x01) // LONG1 256: a non-tensor value is skipped
      .str("lr")
      .raw(0x47, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a) // BINFLOAT 0.1
      .raw(0x75) // SETITEMS
      .raw(0x7d)
      .str("_metadata")
      .global("collections", "OrderedDict")
      .raw(0x29, 0x52, 0x73) // {"_metadata": OrderedDict()}
      .raw(0x62) // BUILD
      .build();
    const zip = buildZip([
      { name: "m/data.pkl", data: pkl },
      { name: "m/data/0", data: new Uint8Array(new Float32Array([5, 6, 7, 8]).buffer) },
      { name: "m/byteorder", data: new TextEncoder().encode("little") },
    ]);
    const src = await openPth({ path: await writeTmp("state.pth", zip) });
    expect(src.tensors.map((t) => t.name)).toEqual(["p"]);
    expect(Array.from(new Float32Array((await src.get("p")!.read()).slice().buffer))).toEqual([5, 6, 7, 8]);
    await src.close();
    const big = buildZip([
      { name: "m/data.pkl", data: pkl },
      { name: "m/byteorder", data: new TextEncoder().encode("big") },
    ]);
    await expect(openPth({ path: await writeTmp("big.pth", big) })).rejects.toThrow(/big-endian/);
  });
  it("refuses files that are not zip checkpoints", async () => {
    await expect(
      openPth({ path: await writeTmp("legacy.pth", new Uint8Array([0x80, 0x02, 0x8a, 0x0a])) }),
    ).rejects.toBeInstanceOf(UnsupportedFormatError);
  });

  const evil = (pkl: Uint8Array) => buildZip([{ name: "archive/data.pkl", data: pkl }]);
  for (const [mod, name] of [
    ["os", "system"],
    ["builtins", "eval"],
    ["posix", "system"],
    ["torch", "load"],
  ] as const) {
    it(`refuses the global ${mod}.${name} by name without running it`, async () => {
      const pkl = new PickleBuilder().global(mod, name).str("touch /tmp/pwned").raw(0x85, 0x52).build();
      const err = await openPth({ path: await writeTmp(`evil-${name}.pth`, evil(pkl)) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsafeCheckpointError);
      expect((err as Error).message).toContain(`${mod}.${name}`);
      expect((err as UnsafeCheckpointError).category).toBe("conversion");
    });
  }
  it("refuses a forbidden global reached through STACK_GLOBAL", async () => {
    const pkl = new PickleBuilder().str("builtins").str("eval").raw(0x93).build();
    await expect(openPth({ path: await writeTmp("evil-sg.pth", evil(pkl)) })).rejects.toThrow(/builtins\.eval/);
  });
  it("names an unknown opcode", async () => {
    const pkl = new PickleBuilder().raw(0x7d, 0xff).build();
    await expect(openPth({ path: await writeTmp("op.pth", evil(pkl)) })).rejects.toThrow(/opcode 0xff/);
    const inst = new PickleBuilder().raw(0x69).build();
    await expect(openPth({ path: await writeTmp("inst.pth", evil(inst)) })).rejects.toThrow(/INST/);
  });
  it("refuses SETITEMS on a non-dict and truncated pickles", async () => {
    const list = new PickleBuilder().raw(0x5d, 0x28).str("a").str("b").raw(0x75).build();
    await expect(openPth({ path: await writeTmp("list.pth", evil(list)) })).rejects.toThrow(/not a dict/);
    const cut = new PickleBuilder().str("abc").build().subarray(0, 6);
    await expect(openPth({ path: await writeTmp("cutpkl.pth", evil(cut)) })).rejects.toThrow(/ends early/);
  });
});
