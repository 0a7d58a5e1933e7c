import { type PipelineSignature } from "../index.js";

/** One line per signature written by download/setup/provision. */
export function signatureLines(signatures: readonly PipelineSignature[]): string[] {
  return signatures.map(
    (s) =>
      `Signed ${s.files} file(s) of ${s.path}: ${s.signaturePath}${s.hashed ? ` (${s.hashed} file(s) hashed again)` : ""}`,
  );
}
