import { stat } from "node:fs/promises";
import { readCappedText } from "../../formats/io/read-capped-text.js";
import { smokeResultPath, type SmokeResultRecord } from "./record-smoke-result.js";

/**
 * The smoke test that passed on this GGUF, from the record beside it, only while the GGUF's size and mtime are those
 * it ran on; undefined when there is none, it is not readable, or the file changed since.
 */
export async function readSmokeResult(gguf: string): Promise<SmokeResultRecord | undefined> {
  try {
    const st = await stat(gguf);
    const text = await readCappedText({ path: smokeResultPath(gguf), maxBytes: 64 << 10, what: "smoke-test record" });
    const r = JSON.parse(text) as SmokeResultRecord;
    if (r?.format !== "llamagate-smoke-test" || r.version !== 1 || r.result !== "passed") return undefined;
    if (r.gguf?.size !== st.size || r.gguf.mtimeMs !== st.mtimeMs) return undefined;
    return r;
  } catch {
    return undefined;
  }
}
