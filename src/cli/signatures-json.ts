import { type PipelineSignature } from "../index.js";

/** `signatures` of download/setup --json: one per model folder signed (--sign-key); empty when none was asked for. */
export function signaturesJson(signatures: readonly PipelineSignature[]): { signatures: PipelineSignature[] } {
  return { signatures: signatures.map((s) => ({ ...s })) };
}
