import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CatalogModel } from "../catalog/models.js";
import { UsageError } from "../core/errors.js";
import type { LlamaConfig } from "../infer/types.js";
import { buildMetaPlan } from "../sources/meta/build-meta-plan.js";
import { makeTinyLlamaWeights, splitIntoShards, type F32Tensor } from "./tiny-llama-weights.js";
import { writeTorchCheckpoint } from "./write-torch-checkpoint.js";

/** The Llama 2 tokenizer shipped in the package's assets/ folder (see assets/NOTICE.md). */
const DEMO_TOKENIZER_PATH = fileURLToPath(new URL("../../assets/llama2-tokenizer.model", import.meta.url));

/** A tiny Llama 2-shaped model: 32,000-token vocabulary (the real tokenizer's), 2 layers of width 64. */
const DEMO_MODEL_CONFIG: LlamaConfig = {
  dim: 64,
  nLayers: 2,
  nHeads: 4,
  nKvHeads: 4,
  hiddenDim: 192,
  vocabSize: 32000,
  normEps: 1e-5,
  ropeTheta: 10000,
};

export interface GenerateMetaReleaseParams {
  /** Folder to write the release into (what the local CDN serves). */
  root: string;
  /** Models whose Meta layout to imitate (one family; Llama 2 or Code Llama, which use the SentencePiece tokenizer). */
  models: readonly CatalogModel[];
  /** Seed of the weights, so reruns produce the same files (and resume works across runs). @default 1 */
  seed?: number;
  /** tokenizer.model to ship. @default the package's Llama 2 tokenizer */
  tokenizerPath?: string;
}

export interface GeneratedRelease {
  /** Relative path → size, for every file written. */
  files: Record<string, number>;
  totalBytes: number;
  /** Bytes of the consolidated.NN.pth shards. */
  weightBytes: number;
}

/**
 * Write a small real Llama checkpoint laid out like a Meta release (download.sh's exact layout): LICENSE,
 * USE_POLICY.md, the real SentencePiece tokenizer, params.json, consolidated.NN.pth shards in torch's zip
 * format (bf16, split across shards by Meta's rules), and checklists holding the real md5 of each file.
 * It converts and runs like a downloaded model; its weights are seeded random numbers.
 */
export async function generateMetaRelease({
  root,
  models,
  seed = 1,
  tokenizerPath = DEMO_TOKENIZER_PATH,
}: GenerateMetaReleaseParams): Promise<GeneratedRelease> {
  for (const m of models) {
    if (m.license !== "llama2") {
      throw new UsageError(`The demo imitates Llama 2-style releases; ${m.name} is not one.`, {
        hint: "Use --model llama-2-7b (the default) or another llama-2 model.",
      });
    }
  }
  const plan = buildMetaPlan({ models, dir: root });
  const md5s = new Map<string, string>();
  // Relative path on the CDN → size (the remote folder differs from the local one for Llama 3.0).
  const files: Record<string, number> = {};
  const remote = new Map(plan.files.map((f) => [f.path, f.remotePath]));
  const served = (path: string) => join(root, ...remote.get(path)!.split("/"));
  let weightBytes = 0;
  const shardsOf = new Map<string, Map<string, F32Tensor>[]>();
  for (const f of plan.files.filter((x) => x.kind !== "checklist")) {
    await mkdir(dirname(served(f.path)), { recursive: true });
    if (f.kind === "tokenizer") await copyFile(tokenizerPath, served(f.path));
    else if (f.kind === "weights") {
      const model = models.find((m) => m.name === f.model) ?? models[0]!;
      const n = model.meta?.shards ?? 1;
      let shards = shardsOf.get(model.name);
      if (!shards) {
        shards = splitIntoShards(makeTinyLlamaWeights(DEMO_MODEL_CONFIG, seed, true), n);
        shardsOf.set(model.name, shards);
      }
      const index = Number(/consolidated\.(\d+)\.pth$/.exec(f.path)?.[1] ?? 0);
      const tensors = [...shards[index]!].map(([name, t]) => ({
        name,
        dtype: "BF16" as const,
        shape: t.shape,
        data: toBf16(t.data),
      }));
      weightBytes += writeTorchCheckpoint(served(f.path), tensors, {
        storageOf: (name) => /^layers\.\d+\./.exec(name)?.[0] ?? name,
      });
    } else await writeFile(served(f.path), textFor(f.kind));
    const bytes = await readFile(served(f.path));
    md5s.set(f.path, createHash("md5").update(bytes).digest("hex"));
    files[f.remotePath] = bytes.length;
  }
  for (const c of plan.checklists) {
    const covered = plan.files.filter((f) => f.checklist === c.path);
    const text = covered
      .map((f) => `${md5s.get(f.path)}  ${c.folder ? f.path.slice(c.folder.length + 1) : f.path}\n`)
      .join("");
    await mkdir(dirname(served(c.path)), { recursive: true });
    await writeFile(served(c.path), text);
    files[remote.get(c.path)!] = Buffer.byteLength(text);
  }
  return { files, totalBytes: Object.values(files).reduce((a, b) => a + b, 0), weightBytes };
}

function textFor(kind: string): string {
  switch (kind) {
    case "license":
      return (
        "LLAMAGATE DEMO RELEASE\n\nThis is not a Llama model: its weights are random numbers generated on your machine by\n" +
        "`llamagate demo`, laid out like a Meta release so the whole pipeline can be shown end to end. Its tokenizer is\n" +
        "the Llama 2 tokenizer, and the real models are covered by the Llama 2 Community License Agreement:\n" +
        "https://ai.meta.com/llama/license/\n"
      );
    case "use-policy":
      return "# Demo acceptable use policy\n\nThe real policy: https://ai.meta.com/llama/use-policy/\n";
    case "params": {
      const c = DEMO_MODEL_CONFIG;
      return `${JSON.stringify({ dim: c.dim, multiple_of: 32, n_heads: c.nHeads, n_layers: c.nLayers, norm_eps: c.normEps, vocab_size: -1 })}\n`;
    }
    default:
      return "";
  }
}

/** f32 values that are already bf16-exact, as bf16 bytes (the top half of each f32). */
function toBf16(x: Float32Array): Uint8Array {
  const u32 = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < out.length; i++) out[i] = u32[i]! >>> 16;
  return new Uint8Array(out.buffer);
}
