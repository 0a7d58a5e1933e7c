import { stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "../../core/fs/write-file-atomic.js";

/** A smoke test that passed on a GGUF, kept beside it: `.<name>.gguf.smoke-test.llamagate.json`. */
export interface SmokeResultRecord {
  format: "llamagate-smoke-test";
  version: 1;
  /** When it ran (ISO 8601). */
  testedAt: string;
  /** The GGUF it ran on, as it was then (the record holds only while size and mtime are unchanged). */
  gguf: { name: string; size: number; mtimeMs: number };
  result: "passed";
  backend: string;
  device: string;
  /** Tokens generated. */
  tokens: number;
  tokensPerSecond: number;
  /** The cross-check against the reference forward pass, when it ran. */
  reference?: { klMean: number; klMax: number; topTokenAgreement: number; tokensMatch: boolean };
}

/** The smoke-test record's path for a GGUF file. */
export function smokeResultPath(gguf: string): string {
  return join(dirname(gguf), `.${basename(gguf)}.smoke-test.llamagate.json`);
}

/**
 * Record beside a GGUF that a smoke test passed on it (`smoke-test`, `setup`, `provision`), for the BOM: which
 * backend and device, how many tokens at what speed, and the reference cross-check's statistics. Best effort: a
 * GGUF in a read-only place keeps no record, and the smoke test's own result stands.
 */
export async function recordSmokeResult(p: {
  /** The GGUF the smoke test ran. */
  gguf: string;
  result: {
    backend: string;
    device: string;
    tokens: readonly unknown[];
    tokensPerSecond: number;
    reference?: { klMean: number; klMax: number; topTokenAgreement: number; tokensMatch: boolean };
  };
}): Promise<void> {
  const st = await stat(p.gguf).catch(() => undefined);
  if (!st?.isFile()) return;
  const r = p.result;
  const record: SmokeResultRecord = {
    format: "llamagate-smoke-test",
    version: 1,
    testedAt: new Date().toISOString(),
    gguf: { name: basename(p.gguf), size: st.size, mtimeMs: st.mtimeMs },
    result: "passed",
    backend: r.backend,
    device: r.device,
    tokens: r.tokens.length,
    tokensPerSecond: Math.round(r.tokensPerSecond * 100) / 100,
    ...(r.reference
      ? {
          reference: {
            klMean: r.reference.klMean,
            klMax: r.reference.klMax,
            topTokenAgreement: r.reference.topTokenAgreement,
            tokensMatch: r.reference.tokensMatch,
          },
        }
      : {}),
  };
  await writeFileAtomic({ path: smokeResultPath(p.gguf), data: JSON.stringify(record, null, 2) + "\n" }).catch(
    () => undefined,
  );
}
