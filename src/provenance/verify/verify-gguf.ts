import { lstat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { readGgufLineage } from "../lineage/read-gguf-lineage.js";
import { ggufLineagePath } from "../lineage/record-gguf-lineage.js";
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
  const r = await readGgufLineage(gguf);

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
    convertedAt: r.convertedAt,
    dtype: r.dtype,
    source: { kind: r.source.kind, dir: resolve(r.source.dir), present },
  };
}
