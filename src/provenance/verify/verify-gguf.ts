import { lstat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { LlamagateError } from "../../core/errors.js";
import { readCappedText } from "../../formats/io/read-capped-text.js";
import { ggufLineagePath, type GgufLineageRecord } from "../lineage/record-gguf-lineage.js";
import { verifyAgainstDigests, type VerifyAgainstDigestsResult } from "./verify-against-digests.js";

export interface VerifyGgufResult extends VerifyAgainstDigestsResult {
  gguf: string;
  /** The lineage record read (beside the GGUF). */
  record: string;
  convertedAt: string;
  dtype: string;
  /** The source folder; `present` false when it is gone (only the GGUF itself was checked). */
  source: { kind: "meta" | "hf"; dir: string; present: boolean };
}

/**
 * `llamagate verify FILE.gguf`: the GGUF against the sha256 it had when llamagate wrote it, and the files it was
 * converted from against theirs when the source folder is still there (each named `source/<path>`: ok, changed or
 * missing), from the lineage record the conversion left beside it. GGUF_LINEAGE_NOT_FOUND (exit 5) without one.
 */
export async function verifyGguf(p: { path: string; signal?: AbortSignal }): Promise<VerifyGgufResult> {
  const gguf = resolve(p.path);
  const recordPath = ggufLineagePath(gguf);
  let text: string;
  try {
    text = await readCappedText({ path: recordPath, maxBytes: 4 << 20, what: "The conversion record" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    throw new LlamagateError(
      "GGUF_LINEAGE_NOT_FOUND",
      "not-found",
      `${gguf} has no conversion record (${basename(recordPath)} beside it): it was not converted by this llamagate, or the record was not moved with it.`,
      {
        hint: "Verify it against a signature (--signature with --public-key) or a BOM (--bom FILE), or convert it again.",
      },
    );
  }
  const bad = (why: string) =>
    new LlamagateError("GGUF_LINEAGE_MALFORMED", "integrity", `${recordPath} is damaged: ${why}.`, {
      hint: "Convert the model again to write a new record, or verify against a signature or a BOM.",
    });
  let r: GgufLineageRecord;
  try {
    r = JSON.parse(text) as GgufLineageRecord;
  } catch {
    throw bad("it is not JSON");
  }
  const hex = (s: unknown) => typeof s === "string" && /^[0-9a-f]{64}$/.test(s);
  if (r?.format !== "llamagate-conversion" || r.version !== 1) throw bad("it is not a llamagate conversion record");
  if (!hex(r.output?.sha256)) throw bad("it has no sha256 of the GGUF");
  if (typeof r.source?.dir !== "string" || !Array.isArray(r.source.files)) throw bad("it names no source");
  for (const f of r.source.files)
    if (typeof f?.path !== "string" || !/^(\.\.\/)?[^/\\]+$/.test(f.path) || /^\.\.?$/.test(f.path) || !hex(f.sha256))
      throw bad("a source file has an unsafe path or no sha256");

  const own = await verifyAgainstDigests({
    dir: dirname(gguf),
    expected: [{ name: basename(gguf), sha256: r.output.sha256 }],
    extras: false,
    signal: p.signal,
  });
  const present = Boolean((await lstat(resolve(r.source.dir)).catch(() => undefined))?.isDirectory());
  const src = present
    ? await verifyAgainstDigests({
        dir: resolve(r.source.dir),
        expected: r.source.files.map((f) => ({ name: f.path, sha256: f.sha256 })),
        extras: false,
        signal: p.signal,
      })
    : undefined;
  const files = [...own.files, ...(src?.files ?? []).map((f) => ({ ...f, name: `source/${f.name}` }))];
  const counts = { ok: 0, changed: 0, missing: 0, added: 0 };
  for (const f of files) counts[f.status]++;
  return {
    ok: files.every((f) => f.status === "ok"),
    files,
    counts,
    gguf,
    record: recordPath,
    convertedAt: String(r.convertedAt),
    dtype: String(r.dtype),
    source: { kind: r.source.kind === "hf" ? "hf" : "meta", dir: resolve(r.source.dir), present },
  };
}
