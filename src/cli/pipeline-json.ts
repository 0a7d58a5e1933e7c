import { signaturesJson } from "./signatures-json.js";
import { type PipelineSummary } from "../index.js";

/** The one JSON object `setup --json` and `demo --json` print (docs/setup.md documents it). */
export function pipelineJson(s: PipelineSummary, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const gate = s.license[0]?.gate;
  const d = s.download;
  const download =
    d.source === "meta"
      ? {
          source: "meta",
          path: d.result.dir,
          files: d.result.files.length,
          bytes: d.result.totals.bytes,
          bytesTransferred: d.result.totals.bytesTransferred,
          bytesReused: d.result.totals.bytesReused,
          retries: d.result.retries,
          seconds: d.result.seconds,
        }
      : {
          source: "hf",
          path: d.result.path,
          repoId: d.result.repoId,
          commit: d.result.commit,
          files: d.result.files.length,
          bytes: d.result.files.reduce((a, f) => a + f.size, 0),
          bytesTransferred: d.result.bytesTransferred,
          bytesReused: d.result.files.filter((f) => !f.downloaded).reduce((a, f) => a + f.size, 0),
          retries: 0,
          seconds: d.result.seconds,
        };
  return {
    ok: true,
    model: s.models[0] ?? null,
    models: s.models,
    license: gate
      ? {
          verdict: gate.verdict,
          licenseFamily: gate.evaluation.family,
          licenseVersion: gate.evaluation.licenseVersion,
          mau: gate.evaluation.inputs.combinedMau,
          obligations: gate.evaluation.obligations.map((o) => o.text),
          acceptedVia: gate.acceptance.via,
          acceptedAt: gate.acceptance.time,
          recorded: gate.auditEntry !== null,
          overridden: gate.overridden,
        }
      : null,
    download: { ...download, upToDate: s.upToDate.includes("download") },
    verify: s.verify
      ? {
          files: s.verify.files,
          ok: s.verify.ok,
          failed: s.verify.failed,
          missing: s.verify.missing,
          rehashed: s.verify.rehashed,
          reused: s.verify.reused,
          seconds: s.verify.seconds,
          upToDate: s.upToDate.includes("verify"),
        }
      : null,
    convert: s.convert
      ? {
          outputs: s.convert.outputs.map((o) => ({
            path: o.path,
            format: o.format,
            dtype: o.dtype,
            bytes: o.bytes,
            converted: o.converted,
          })),
          seconds: s.convert.seconds,
          upToDate: s.upToDate.includes("convert"),
        }
      : null,
    smokeTest: s.smokeTest,
    ...signaturesJson(s.signatures),
    upToDate: s.upToDate,
    seconds: s.seconds,
    ...extra,
  };
}
