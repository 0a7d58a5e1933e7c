import { isAbsolute } from "node:path";
import { LlamagateError } from "../../core/errors.js";
import { readCappedText } from "../../formats/io/read-capped-text.js";
import { ggufLineagePath, type GgufLineageRecord } from "./record-gguf-lineage.js";

/**
 * The conversion record beside a GGUF (what it was converted from, with every input's sha256), checked: it is a file
 * anyone could edit, so every source path must be a plain name (or `../name`) and every digest sha256 hex.
 * GGUF_LINEAGE_NOT_FOUND (not-found) when there is none, GGUF_LINEAGE_MALFORMED (integrity) when it is damaged.
 */
export async function readGgufLineage(gguf: string): Promise<GgufLineageRecord> {
  const recordPath = ggufLineagePath(gguf);
  let text: string;
  try {
    text = await readCappedText({ path: recordPath, maxBytes: 4 << 20, what: "The conversion record" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    throw new LlamagateError(
      "GGUF_LINEAGE_NOT_FOUND",
      "not-found",
      `${gguf} has no conversion record (${recordPath}): it was not converted by this llamagate, or the record was not moved with it.`,
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
  if (typeof r.source?.dir !== "string" || !isAbsolute(r.source.dir) || !Array.isArray(r.source.files))
    throw bad("it names no source");
  for (const f of r.source.files)
    if (typeof f?.path !== "string" || !/^(\.\.\/)?[^/\\]+$/.test(f.path) || /^\.\.?$/.test(f.path) || !hex(f.sha256))
      throw bad("a source file has an unsafe path or no sha256");
  return {
    ...r,
    convertedAt: String(r.convertedAt),
    dtype: String(r.dtype),
    source: { ...r.source, kind: r.source.kind === "hf" ? "hf" : "meta" },
  };
}
