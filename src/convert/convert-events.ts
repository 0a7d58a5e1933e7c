import type { OutDType } from "../model/create-caster.js";

/** Progress of a conversion, as yielded by convertCheckpointIter(). */
export type ConvertEvent =
  | {
      type: "plan";
      source: "meta" | "hf";
      target: "hf" | "gguf";
      dtype: OutDType;
      /** Tensors to write. */
      tensors: number;
      /** Tensor bytes to write (excluding headers and side files). */
      bytes: number;
      /** Model-parallel shards read. */
      inputShards: number;
    }
  | { type: "tensor"; name: string; index: number; count: number; bytes: number; doneBytes: number; totalBytes: number }
  | { type: "file"; path: string; bytes: number }
  | { type: "warning"; message: string };

/** What a finished conversion produced. */
export interface ConvertResult {
  source: "meta" | "hf";
  target: "hf" | "gguf";
  dtype: OutDType;
  /** The final output (folder for hf, file for gguf). */
  output: string;
  /** Every file written, under `output` for hf. */
  files: string[];
  tensors: number;
  /** Bytes of all files written. */
  bytes: number;
  seconds: number;
}
