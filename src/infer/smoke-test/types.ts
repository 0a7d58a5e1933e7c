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
  /**
   * The pure-TS reference cross-check: true runs it whatever it costs, false skips it; default: when
   * its estimated time fits `referenceBudgetSeconds` (and it stops, saying so, when the budget runs out).
   */
  reference?: boolean;
  /** Seconds the default cross-check may take (default 120). The weights are streamed layer by layer. */
  referenceBudgetSeconds?: number;
  /** Memory the model may use on its device, in bytes (default: what the system reports free). */
  memoryLimitBytes?: number;
  /** CPU threads; default 1 for tiny models (< 20M parameters: more threads are slower), else llama.cpp's. */
  threads?: number;
  /** Context size to allocate. Default: prompt + maxTokens rounded up, at least 64. */
  contextSize?: number;
  /**
   * The environment the llama.cpp child starts from (only its allow-listed variables pass: llama-child-env.ts).
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** What the cross-check against the pure-TS reference found (llama.cpp perplexity's --kl-divergence statistics). */
export interface SmokeReferenceResult {
  /** What the reference ran on: the original (Meta/HF) weights the GGUF came from, or the GGUF's own. */
  weights: "source" | "gguf";
  /** Mean KL(reference || llama.cpp) over the compared positions, full vocabulary, in nats. */
  klMean: number;
  /** Largest KL at one position. */
  klMax: number;
  /** Where klMax is (0 = the first generated token). */
  klMaxPosition: number;
  /** Share of positions where both put the same token on top (0..1). */
  topTokenAgreement: number;
  /** Perplexity of the compared tokens (llama.cpp's picks) under the reference and under llama.cpp. */
  perplexityReference: number;
  perplexityEngine: number;
  /** perplexityEngine / perplexityReference. */
  perplexityRatio: number;
  /** Positions compared (the first generated tokens, the reference teacher-forced on llama.cpp's). */
  comparedPositions: number;
  /** The reference's top token equals llama.cpp's at every compared position. */
  tokensMatch: boolean;
  /** The reference's top token at each compared position. */
  tokens: number[];
  /** The limits for this weight type; measured: false for types judged leniently (no table of their own). */
  limits: { klMean: number; klMax: number; topTokenAgreement: number; lnPerplexityRatio: number; measured: boolean };
  /** Set when a limit was exceeded (the smoke test then fails with REFERENCE_MISMATCH). */
  failure?: { measure: string; position: number; value: number; limit: number; message: string };
  /**
   * After a failure against the original weights: how the GGUF's weights and settings differ from the
   * source's, each with its likely cause ("swapped-tensors", "qk-permutation", "rope", "norm-dropped",
   * "hyper-parameters", "tensor-differs"); empty when every weight matches.
   */
  findings?: { cause: string; where: string; message: string }[];
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
  /** Why the cross-check did not run, when it did not (too large, not a llama architecture, --no-reference). */
  referenceSkipped?: string;
}

/** Progress of a smoke test, as yielded by smokeTestIter(). */
export type SmokeTestEvent =
  | { type: "backend"; backend: string; device: string; note?: string }
  | { type: "loaded"; seconds: number }
  | { type: "token"; index: number; id: number; text: string }
  | { type: "reference"; phase: "start" | "done" }
  | { type: "warning"; message: string };
