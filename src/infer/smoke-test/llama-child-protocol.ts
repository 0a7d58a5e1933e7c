/** What run-llama-child.ts and the llama child process (llama-child.ts) say to each other over IPC. */

/** What the child is asked to do (the one message it receives). */
export interface LlamaChildJob {
  modelPath: string;
  gpu: "auto" | false;
  requireGpu: boolean;
  threads: number | undefined;
  contextSize: number;
  prompt: string;
  maxTokens: number;
  /** Positions whose full distribution is returned (0 = none). */
  logitSteps: number;
  vocabSize: number;
  neededBytes: number;
  memoryLimitBytes: number | undefined;
}

export type LlamaChildEvent =
  | { t: "backend"; backend: string; device: string; note?: string }
  | { t: "loaded"; seconds: number }
  | { t: "token"; index: number; id: number; text: string };

export interface LlamaChildDone {
  promptTokens: number[];
  tokens: number[];
  /** Generation stopped at an end-of-generation token (not included in `tokens`) before maxTokens. */
  endedAtEog: boolean;
  text: string;
  loadSeconds: number;
  firstTokenSeconds: number;
  tokensPerSecond: number;
  threads: number;
  nonFinite: boolean;
  /** Log-probabilities of the first `logitSteps` positions (-Infinity/null where zero). */
  logProbs: (number | null)[][];
  memory: { deviceBytes: number; hostBytes: number };
}

export interface LlamaChildError {
  t: "error";
  kind: "no-gpu" | "oom" | "load" | "run";
  message: string;
  where?: string;
  needed?: number;
  available?: number;
}

/**
 * Messages from the child: backend and loaded once, generated tokens in batches (`from` = index of the first; the
 * generation loop never waits for the parent), then done or error.
 */
export type LlamaChildMessage =
  | Exclude<LlamaChildEvent, { t: "token" }>
  | { t: "tokens"; from: number; ids: number[]; texts: string[] }
  | ({ t: "done" } & LlamaChildDone)
  | LlamaChildError;
