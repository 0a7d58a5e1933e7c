import type { ConvertEvent } from "../../convert/convert-events.js";

/** Where to run: the best GPU backend present (else CPU with a note), a GPU or fail, or the CPU. */
export type SmokeDevice = "auto" | "gpu" | "cpu";

export interface SmokeTestParams {
  /** A .gguf file, a Meta download folder or a Hugging Face snapshot / --local-dir folder. */
  path: string;
  /** Folder for GGUFs converted from model folders (reused while the source files are unchanged). Required for folders. */
  cacheDir?: string;
  /** Text to continue; "" starts from BOS alone. Default "Once upon a time". */
  prompt?: string;
  /** Tokens to generate greedily. Default 16. */
  maxTokens?: number;
  /** Default "auto". */
  device?: SmokeDevice;
  /** Run the pure-TS reference cross-check: true forces it, false skips it, undefined = only under ~200M parameters. */
  reference?: boolean;
  /** Memory the model may use on the device it runs on, in bytes (default: what the system reports free). */
  memoryLimitBytes?: number;
  /** CPU threads; default 1 for tiny models (< 20M parameters, where more threads are slower), else llama.cpp's default. */
  threads?: number;
  /** Context size to allocate. Default: prompt + maxTokens rounded up, at least 64. */
  contextSize?: number;
  signal?: AbortSignal;
}

/** What the cross-check against the pure-TS reference found. */
export interface SmokeReferenceResult {
  /** Every generated token equals the reference's. */
  tokensMatch: boolean;
  /** Largest |difference| of log-softmax logits over the first positions (logits compared up to their constant shift). */
  maxLogitDiff: number;
  /** The largest difference tolerated for this weight type. */
  tolerance: number;
  /** Positions whose logits were compared. */
  comparedPositions: number;
  /** The reference's tokens. */
  tokens: number[];
  /** Where the streams first differ, and whether the reference was at a near-tie there (top-2 gap within tolerance). */
  divergence?: { index: number; nearTie: boolean; referenceMargin: number };
  /** What the reference ran on: the original folder's weights or the GGUF's. */
  weights: "source" | "gguf";
  seconds: number;
}

export interface SmokeTestResult {
  ok: true;
  /** The GGUF that ran (the cached conversion for folders). */
  gguf: string;
  /** "cuda" | "vulkan" | "metal" | "cpu". */
  backend: string;
  /** GPU names, or the CPU description. */
  device: string;
  /** Why a GPU was not used, when device "auto" fell back to the CPU. */
  note?: string;
  architecture: string;
  parameters: number;
  /** The weights' ggml type (most common among the matrices). */
  weightType: string;
  threads: number;
  promptTokens: number[];
  tokens: number[];
  text: string;
  loadSeconds: number;
  firstTokenSeconds: number;
  tokensPerSecond: number;
  memory: { deviceBytes: number; hostBytes: number };
  /** Present when the cross-check ran. */
  reference?: SmokeReferenceResult;
  /** Whether the GGUF came from the cache (folders only). */
  cache?: { path: string; reused: boolean };
}

/** Progress of a smoke test, as yielded by smokeTestIter(). */
export type SmokeTestEvent =
  | { type: "input"; path: string; kind: "gguf" | "meta" | "hf" }
  | { type: "cache"; path: string; reused: boolean }
  | { type: "convert"; event: ConvertEvent }
  | { type: "backend"; backend: string; device: string; note?: string }
  | { type: "loaded"; seconds: number }
  | { type: "token"; index: number; id: number; text: string }
  | { type: "reference"; phase: "start" | "done" }
  | { type: "warning"; message: string };
