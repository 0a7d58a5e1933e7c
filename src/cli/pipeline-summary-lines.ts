import { describeReference } from "./describe-reference.js";
import { signatureLines } from "./signature-lines.js";
import { formatBytes, type PipelineSummary } from "../index.js";

/** The human summary of a pipeline run (stdout): the files, what was verified, the outputs, the smoke test. */
export function pipelineSummaryLines(s: PipelineSummary): string[] {
  const lines: string[] = [];
  const d = s.download;
  const [path, files, moved, reused] =
    d.source === "meta"
      ? [d.result.dir, d.result.files.length, d.result.totals.bytesTransferred, d.result.totals.bytesReused]
      : [
          d.result.path,
          d.result.files.length,
          d.result.bytesTransferred,
          d.result.files.filter((f) => !f.downloaded).reduce((a, f) => a + f.size, 0),
        ];
  lines.push(`Files: ${path} (${files} files; ${formatBytes(moved)} downloaded, ${formatBytes(reused)} already here)`);
  if (s.verify) {
    const how =
      s.verify.rehashed === 0
        ? "each matched the hash recorded when it was verified; none re-hashed"
        : `${s.verify.rehashed} hashed now, ${s.verify.reused} unchanged since verified`;
    lines.push(`Verified: ${s.verify.ok}/${s.verify.files} checksums OK (${how})`);
  }
  lines.push(...signatureLines(s.signatures));
  for (const o of s.convert?.outputs ?? []) {
    lines.push(
      `Output: ${o.path} (${o.format === "gguf" ? "GGUF" : "Hugging Face"} ${o.dtype}, ${formatBytes(o.bytes)}${o.converted ? "" : "; newer than its inputs, not converted again"})`,
    );
  }
  const t = s.smokeTest;
  if (t) {
    const ref = t.reference
      ? `; ${describeReference(t.reference)}`
      : t.referenceSkipped
        ? `; reference cross-check ${t.referenceSkipped}`
        : "";
    lines.push(
      `Smoke test: ${t.tokens.length} tokens on ${t.backend} (${t.device}), ${t.tokensPerSecond.toFixed(1)} tokens/s: ${JSON.stringify(t.text)}${ref}`,
    );
  }
  if (s.upToDate.length > 0) lines.push(`Already done before this run: ${s.upToDate.join(", ")}.`);
  return lines;
}
