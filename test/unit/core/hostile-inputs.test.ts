/**
 * Issue 13 regressions handled by the fs layer, the Meta link parser, checklists, convert's output
 * policy and the parsers' bad-input endings (items 5, 11, 12, 14): each fails without its fix.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LlamagateError } from "../../../src/core/errors.js";
import { convertCheckpoint } from "../../../src/convert/convert-checkpoint.js";
import { readMetaParams } from "../../../src/model/read-meta-params.js";
import { PyList } from "../../../src/formats/pth/pickle-values.js";
import { unpickle } from "../../../src/formats/pth/unpickle.js";
import { selectFiles } from "../../../src/sources/hf/select-files.js";
import { metaFileUrl } from "../../../src/sources/meta/meta-file-url.js";
import { parseMetaUrl } from "../../../src/sources/meta/parse-meta-url.js";
import { MAX_CHECKLIST_BYTES, readMd5Checklist } from "../../../src/verify/read-md5-checklist.js";
import { verifyChecklists } from "../../../src/verify/verify-checklists.js";
import { writeTinyMetaCheckpoint } from "../../helpers/tiny-llama-checkpoint.js";
import { TINY_SPEC } from "../../helpers/tiny-llama-model.js";
import { useTempDir } from "../../helpers/temp-dir.js";

const tmp = useTempDir("hostile");
const policy = Buffer.from(
  JSON.stringify({
    Statement: [
      { Resource: "https://download.llamameta.net/*", Condition: { DateLessThan: { "AWS:EpochTime": 4102444800 } } },
    ],
  }),
).toString("base64");
const QUERY = `?Policy=${policy}&Signature=sig-abcdef&Key-Pair-Id=KEXAMPLE&Download-Request-ID=123456`;

describe("item 11: a Meta link whose * sits before the path", () => {
  it.each([
    ["user info", `https://evil*@download.llamameta.net/${QUERY}`],
    ["host", `https://evil*.download.llamameta.net/${QUERY}`],
    ["user info with a path star too", `https://x*@download.llamameta.net/*${QUERY}`],
  ])("with * in the %s is refused (usage), never turned into a request elsewhere", (_n, url) => {
    expect(() => parseMetaUrl({ url })).toThrow(
      expect.objectContaining({ code: "META_URL_INVALID", category: "usage" }),
    );
  });

  it("every built file URL keeps the validated scheme and host", () => {
    const ok = parseMetaUrl({ url: `https://download.llamameta.net/*${QUERY}` });
    expect(new URL(metaFileUrl({ signedUrl: ok, path: "llama-2-7b/params.json" })).host).toBe("download.llamameta.net");
    // A template that slipped through with its * in the user info: the built URL would go to another host.
    const forged = { template: `https://evil*@download.llamameta.net/${QUERY}`, host: "download.llamameta.net" };
    expect(() => metaFileUrl({ signedUrl: forged, path: "llama-2-7b/params.json" })).toThrow(
      expect.objectContaining({ code: "META_URL_INVALID" }),
    );
  });
});

describe("item 5: a huge checklist", () => {
  const good = "0123456789abcdef0123456789abcdef  params.json\n";
  it("is refused before it is read (CHECKLIST_TOO_LARGE, integrity), just past the cap", async () => {
    const p = join(tmp(), "checklist.chk");
    await writeFile(p, good + "\n".repeat(MAX_CHECKLIST_BYTES)); // valid lines, padded just past 1 MiB
    await expect(readMd5Checklist({ path: p, name: "checklist.chk" })).rejects.toMatchObject({
      code: "CHECKLIST_TOO_LARGE",
      category: "integrity",
    });
    await writeFile(p, good + "\n".repeat(1000));
    expect(await readMd5Checklist({ path: p, name: "checklist.chk" })).toHaveLength(1);
  });

  it("verify ends with the same clear error instead of crashing", async () => {
    await writeFile(join(tmp(), "checklist.chk"), good + "\n".repeat(MAX_CHECKLIST_BYTES));
    await expect(verifyChecklists({ dir: tmp() })).rejects.toMatchObject({
      code: "CHECKLIST_TOO_LARGE",
      category: "integrity",
    });
  });
});

describe("item 12: convert --force never overwrites a source shard", () => {
  it("--out <input>/consolidated.00.pth is refused (usage) and the shard is unchanged", async () => {
    const input = join(tmp(), "llama-tiny");
    await writeTinyMetaCheckpoint({ dir: input, spec: TINY_SPEC, shards: 1, dtype: "F32", tokenizerPieces: 0 });
    const shard = join(input, "consolidated.00.pth");
    const before = await readFile(shard);
    const run = convertCheckpoint({ input, to: "gguf", out: shard, force: true });
    await expect(run).rejects.toMatchObject({ category: "usage", code: "OUTPUT_NOT_EARLIER_OUTPUT" });
    expect(Buffer.compare(await readFile(shard), before)).toBe(0);
    // An HF output folder inside the input is refused too.
    await expect(convertCheckpoint({ input, to: "hf", out: join(input, "hf") })).rejects.toMatchObject({
      code: "OUTPUT_INSIDE_INPUT",
    });
  });
});

describe("item 14: bad input gets its own error, never 'internal'", () => {
  it("APPENDS with 300k items does not overflow the stack", () => {
    const n = 300_000;
    const bytes = new Uint8Array(2 + 1 + 1 + n + 1 + 1);
    bytes.set([0x80, 0x02, 0x5d, 0x28]); // PROTO 2, EMPTY_LIST, MARK
    bytes.fill(0x4e, 4, 4 + n); // NONE × n
    bytes.set([0x65, 0x2e], 4 + n); // APPENDS, STOP
    let out: unknown;
    try {
      out = unpickle({ bytes, what: "data.pkl", persistentLoad: () => null });
    } catch (e) {
      // A budget on what the unpickler builds may refuse it: then as a corrupt checkpoint, not a RangeError.
      expect(e).toBeInstanceOf(LlamagateError);
      return;
    }
    expect((out as PyList).items).toHaveLength(n);
  });

  it("an invalid --include glob is a usage error (INVALID_GLOB)", () => {
    expect(() => selectFiles({ files: [], include: ["[z-a]"] })).toThrow(
      expect.objectContaining({ code: "INVALID_GLOB", category: "usage" }),
    );
  });

  it.each([
    ["n_layers", 2 ** 32],
    ["dim", 2 ** 40],
    ["vocab_size", 2 ** 33],
  ])("params.json %s = %d is a conversion error", async (key, v) => {
    const params = {
      dim: 64,
      n_layers: 2,
      n_heads: 4,
      n_kv_heads: 4,
      vocab_size: 32,
      multiple_of: 16,
      norm_eps: 1e-5,
      [key]: v,
    };
    await writeFile(join(tmp(), "params.json"), JSON.stringify(params));
    await expect(readMetaParams({ dir: tmp() })).rejects.toMatchObject({ code: "BAD_PARAMS", category: "conversion" });
  });
});
