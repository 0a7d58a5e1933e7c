import type { PipelineSignature } from "../pipeline/pipeline-types.js";

/** `signatures` of download/setup/provision --json: one per signed model folder; absent when none was asked for. */
export function signaturesJson(signatures: readonly PipelineSignature[]): { signatures?: PipelineSignature[] } {
  return signatures.length ? { signatures: signatures.map((s) => ({ ...s })) } : {};
}
