import { open } from "node:fs/promises";
import { isLlamagateError } from "../../core/errors.js";
import { openGguf } from "../../formats/gguf/index.js";
import { SmokeInputError } from "./errors.js";

/** What the smoke test needs to know about a GGUF before loading it. */
export interface GgufSummary {
  architecture: string;
  /** Total elements of all tensors. */
  parameters: number;
  /** Most common ggml type among the matrices, by elements. */
  weightType: string;
  /** Bytes of tensor data. */
  tensorBytes: number;
  fileBytes: number;
  /** For the KV-cache estimate (0 when the keys are missing). */
  layers: number;
  kvWidth: number;
  /** Rows of token_embd.weight (0 if absent). */
  vocabSize: number;
}

/** Name what a non-GGUF file looks like from its first bytes, for the error message. */
function describeFileStart(head: Uint8Array): string {
  const text = Buffer.from(head).toString("latin1");
  if (head.length === 0) return "an empty file";
  if (text.startsWith("PK\x03\x04")) return "a zip archive (a PyTorch .pth checkpoint?)";
  if (head[0] === 0x80 && head[1]! <= 5) return "a Python pickle (a legacy PyTorch checkpoint?)";
  if (head.length >= 9 && head[8] === 0x7b) return "a safetensors file";
  if (/^\s*</.test(text)) return "an HTML/XML document (an error page saved instead of the model?)";
  if (/^\s*[{[]/.test(text)) return "a JSON file";
  if (text.startsWith("ggml") || text.startsWith("ggjt") || text.startsWith("ggmf"))
    return "a pre-GGUF ggml file (convert it to GGUF with llama.cpp)";
  return `a file starting with bytes ${Buffer.from(head.subarray(0, 4)).toString("hex")}`;
}

/** Check the magic and read the header: architecture, size, parameter count and weight type. */
export async function inspectGguf(params: {
  /** The file to inspect. */
  path: string;
  signal?: AbortSignal;
}): Promise<GgufSummary> {
  const { path, signal } = params;
  const fh = await open(path, "r");
  let head: Uint8Array;
  let fileBytes: number;
  try {
    fileBytes = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.min(16, fileBytes));
    await fh.read(buf, 0, buf.length, 0);
    head = buf;
  } finally {
    await fh.close();
  }
  if (Buffer.from(head.subarray(0, 4)).toString("latin1") !== "GGUF") {
    throw new SmokeInputError("NOT_GGUF", `${path} is not a GGUF file: it is ${describeFileStart(head)}.`, {
      hint: "Pass a .gguf file, or the model folder (Meta download or Hugging Face snapshot) to convert it first.",
    });
  }
  let file;
  try {
    file = await openGguf({ path, ...(signal ? { signal } : {}) });
  } catch (e) {
    if (isLlamagateError(e))
      throw new SmokeInputError(e.code, `${path} is not a usable GGUF: ${e.message}`, {
        cause: e,
        ...(e.hint ? { hint: e.hint } : {}),
      });
    throw e;
  }
  try {
    const num = (key: string): number => {
      const v = file.metadata.get(key)?.value;
      return typeof v === "number" || typeof v === "bigint" ? Number(v) : 0;
    };
    const arch = file.metadata.get("general.architecture")?.value;
    const architecture = typeof arch === "string" ? arch : "unknown";
    let parameters = 0;
    let tensorBytes = 0;
    const byType = new Map<string, number>();
    for (const t of file.tensors) {
      const n = t.ne.reduce((a, b) => a * b, 1);
      parameters += n;
      tensorBytes += t.byteLength;
      if (t.ne.length >= 2) byType.set(t.ggmlType, (byType.get(t.ggmlType) ?? 0) + n);
    }
    const weightType = [...byType].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "unknown";
    const heads = num(`${architecture}.attention.head_count`);
    const kvHeads = num(`${architecture}.attention.head_count_kv`) || heads;
    const width = num(`${architecture}.embedding_length`);
    const kvWidth = heads > 0 ? (width / heads) * kvHeads : 0;
    const vocabSize = Number(file.get("token_embd.weight")?.ne[1] ?? 0);
    return {
      architecture,
      parameters,
      weightType,
      tensorBytes,
      fileBytes,
      layers: num(`${architecture}.block_count`),
      kvWidth,
      vocabSize,
    };
  } finally {
    await file.close();
  }
}
