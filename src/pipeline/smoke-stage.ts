/**
 * The smoke-test stage behind a small interface, so the pipeline does not depend on how inference is
 * done: the library's smoke test (node-llama-cpp with the reference cross-check) plugs in here, and
 * tests pass a fake when the stage is not under test.
 */

export interface SmokeStageParams {
  /** The GGUF file to load. */
  path: string;
  /** The original weights folder it was converted from (for the reference cross-check), when known. */
  sourceDir?: string;
  /** Prompt text ("" = start from BOS alone). */
  prompt?: string;
  /** Tokens to generate. */
  maxTokens?: number;
  /** auto, gpu or cpu. */
  device?: "auto" | "gpu" | "cpu";
  /** Force the cross-check against the pure-TS reference. */
  reference?: boolean;
  /**
   * The environment the llama.cpp child starts from (only its allow-listed variables pass: llama-child-env.ts).
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Smoke-test progress: a phase ("load", "generate", "reference", or a free-form note) or a token. */
export type SmokeStageEvent =
  { type: "smoke-phase"; phase: string } | { type: "smoke-token"; index: number; text: string };

export interface SmokeStageResult {
  /** Inference backend, e.g. "cuda", "vulkan", "cpu", or "reference" (the pure-TS forward pass). */
  backend: string;
  /** Device name as the backend reports it. */
  device: string;
  /** Token ids of the prompt (with BOS). */
  promptTokens: number[];
  /** Token ids generated. */
  tokens: number[];
  /** The generated text. */
  text: string;
  loadSeconds: number;
  firstTokenSeconds: number;
  tokensPerSecond: number;
  /** The cross-check, when it ran: the KL statistics against the reference (see SmokeReferenceResult). */
  reference?: {
    weights: string;
    klMean: number;
    klMax: number;
    topTokenAgreement: number;
    tokensMatch: boolean;
    perplexityRatio?: number;
    comparedPositions?: number;
    limits?: { klMean: number; klMax: number; measured: boolean };
  };
  /** Why the cross-check did not run. */
  referenceSkipped?: string;
  /** Anything else the implementation reports (memory, notes). */
  [extra: string]: unknown;
}

/** A smoke-test implementation: an async iterator of progress events that returns the result (throws on failure). */
export type SmokeStage = (params: SmokeStageParams) => AsyncGenerator<SmokeStageEvent, SmokeStageResult>;
