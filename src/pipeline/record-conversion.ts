import type { ConvertResult } from "../convert/convert-events.js";
import { recordGgufLineage } from "../provenance/lineage/record-gguf-lineage.js";
import { sidecarDigest } from "./sidecar-digest.js";

/**
 * After a conversion to GGUF: record its inputs beside the GGUF (`.<name>.gguf.conversion.llamagate.json`: the GGUF's
 * sha256 and every source file's), for `llamagate verify FILE.gguf` and the BOM's lineage. Source digests come from
 * the download's verification sidecars where they still hold, so a fresh download is not read again for this.
 * Nothing to do for a Hugging Face folder output.
 */
export async function recordConversion(p: {
  /** The converter's result. */
  result: Pick<ConvertResult, "target" | "output" | "source" | "dtype">;
  /** The folder converted. */
  input: string;
  signal?: AbortSignal;
}): Promise<void> {
  if (p.result.target !== "gguf") return;
  await recordGgufLineage({
    gguf: p.result.output,
    sourceDir: p.input,
    sourceKind: p.result.source,
    dtype: p.result.dtype,
    knownDigests: sidecarDigest,
    ...(p.signal ? { signal: p.signal } : {}),
  });
}
