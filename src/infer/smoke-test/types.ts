/** Where to run: the best GPU backend present (else CPU with a note), a GPU or fail, or the CPU. */
export type SmokeDevice = "auto" | "gpu" | "cpu";

export interface SmokeTestParams {
  /** The .gguf file to run (src/pipeline/smoke-test-model.ts converts folders first). */
  gguf: string;
  /**
   * The model folder the GGUF was converted from: the cross-check then runs the reference on these
   * original weights instead of the GGUF's.
   */
  sourceDir?: string;
  /** Text to continue; "" starts from BOS alone. Default "Once upon a time". */
  prompt?: string;
  /** Tokens to generate greedily. Default 16. */
  maxTokens?: number;
  /** Default "auto". */
  device?: SmokeDevice;
  /** The pure-TS reference cross-check: true forces it, false skips it, default: under ~200M parameters. */
  reference?: boolean;
  /** Memory the model may use on its device, in bytes (default: what the system reports free). */
  memoryLimitBytes?: number;
  /** CPU threads; default 1 for tiny models (< 20M parameters: more threads are slower), else llama.cpp's. */
  threads?: number;
  /** Context size to allocate. Default: prompt + maxTokens rounded up, at least 64. */
  contextSize?: number;
  signal?: AbortSignal;
}

/** What the cross-check against the pure-TS reference found. */
export interface SmokeReferenceResult {
  /** Every generated token equals the reference's. */
  tokensMatch: boolean;
  /** Largest |difference| of log-softmax logits over the first positions (logits up to their constant shift). */
  maxLogitDiff: number;
  /** The largest difference tolerated for this weight type. */
  tolerance: number;
  /** Positions whose logits were compared. */
  comparedPositions: number;
  /** The reference's tokens. */
  tokens: number[];
  /** Where the streams first differ, and whether the reference was at a near-tie there (top-2 gap <= tolerance). */
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
}

/** Progress of a smoke test, as yielded by smokeTestIter(). */
export type SmokeTestEvent =
  | { type: "backend"; backend: string; device: string; note?: string }
  | { type: "loaded"; seconds: number }
  | { type: "token"; index: number; id: number; text: string }
  | { type: "reference"; phase: "start" | "done" }
  | { type: "warning"; message: string };
