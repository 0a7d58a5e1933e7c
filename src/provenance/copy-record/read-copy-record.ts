import { join } from "node:path";
import { readCappedText } from "../../formats/io/read-capped-text.js";
import { LlamagateError } from "../../core/errors.js";
import { checkBundlePath } from "../../formats/tar/bundle-manifest.js";
import { COPY_RECORD_NAME, type CopyRecord } from "./write-copy-record.js";

const MAX_RECORD_BYTES = 16 << 20;

/**
 * The copy record a pull or an unpack left in `dir`, checked (it is a file anyone could edit: every path must stay
 * inside the folder, every digest must be sha256 hex); undefined when there is none. A damaged record is
 * COPY_RECORD_MALFORMED (integrity).
 */
export async function readCopyRecord(p: { dir: string; signal?: AbortSignal }): Promise<CopyRecord | undefined> {
  const path = join(p.dir, COPY_RECORD_NAME);
  let text: string;
  try {
    text = await readCappedText({ path, maxBytes: MAX_RECORD_BYTES, what: COPY_RECORD_NAME, signal: p.signal });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw e;
  }
  const bad = (why: string) =>
    new LlamagateError("COPY_RECORD_MALFORMED", "integrity", `${path} is damaged: ${why}.`, {
      hint: "Pull or unpack the model again to write a new record (or verify against a signature or a BOM).",
    });
  let r: Partial<CopyRecord>;
  try {
    r = JSON.parse(text) as Partial<CopyRecord>;
  } catch {
    throw bad("it is not JSON");
  }
  if (typeof r !== "object" || r === null || r.format !== "llamagate-copy" || r.version !== 1)
    throw bad("it is not a llamagate copy record of version 1");
  if (typeof r.source !== "object" || r.source === null || !["oci", "bundle"].includes(r.source.kind))
    throw bad("it names no source");
  if (!Array.isArray(r.files)) throw bad("it lists no files");
  for (const f of r.files) {
    if (typeof f?.path !== "string" || checkBundlePath(f.path)) throw bad(`a file path is unsafe or missing`);
    if (typeof f.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(f.sha256)) throw bad(`${f.path} has no sha256`);
  }
  const extra = Array.isArray(r.extra) ? r.extra.filter((x): x is string => typeof x === "string") : [];
  return { ...(r as CopyRecord), extra };
}
