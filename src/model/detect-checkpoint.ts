import { readdir, stat } from "node:fs/promises";
import { FilesystemError, LlamagateError, UsageError } from "../core/errors.js";
import { ConversionError } from "./errors.js";

/**
 * Tell a Meta download (params.json + consolidated.NN.pth) from a Hugging Face snapshot
 * (config.json + *.safetensors). Anything else is a clear error saying what is missing.
 */
export async function detectCheckpoint(params: {
  /** The folder to inspect. */
  dir: string;
}): Promise<"meta" | "hf"> {
  const { dir } = params;
  let names: string[];
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) {
      throw new UsageError(`${dir} is a file; convert takes a model folder.`, {
        hint: "Pass the folder holding params.json + consolidated.NN.pth (Meta) or config.json + *.safetensors (Hugging Face).",
      });
    }
    names = await readdir(dir);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      // Exit 5 (not-found), as docs/exit-codes.md says for a missing local folder.
      throw new LlamagateError("INPUT_NOT_FOUND", "not-found", `${dir} does not exist.`, {
        hint: "Pass the folder of a downloaded model.",
      });
    }
    throw new FilesystemError("READ_FAILED", `Cannot read ${dir} (${code ?? "error"}).`, { cause: e });
  }
  const has = (n: string) => names.includes(n);
  const pth = names.some((n) => /^consolidated\.\d+\.pth$/.test(n));
  const safetensors = names.some((n) => n.endsWith(".safetensors"));
  if (has("params.json") || pth) {
    if (!has("params.json")) {
      throw new ConversionError("MISSING_PARAMS", `${dir} has consolidated.NN.pth files but no params.json.`, {
        hint: "Download params.json of the same model into that folder.",
      });
    }
    return "meta";
  }
  if (has("config.json") && safetensors) return "hf";
  if (has("config.json") && names.some((n) => /^pytorch_model.*\.bin$/.test(n))) {
    throw new ConversionError(
      "UNSUPPORTED_INPUT",
      `${dir} holds pytorch_model*.bin weights; only safetensors snapshots are supported.`,
      {
        hint: "Download the repository's *.safetensors files (most Llama repos ship both).",
      },
    );
  }
  throw new ConversionError(
    "NOT_A_CHECKPOINT",
    `${dir} is neither a Meta checkpoint (params.json + consolidated.NN.pth) nor a Hugging Face snapshot (config.json + *.safetensors).`,
    {
      hint: "Point at the folder of a downloaded model.",
    },
  );
}
