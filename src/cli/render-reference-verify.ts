import { EXIT_CODES, type VerifyAgainstDigestsResult } from "../index.js";
import type { CliContext } from "./context.js";
import { logLine, printJson, printLine } from "./output.js";

/**
 * Print a `verify` against recorded digests (a pull's or unpack's copy record, a GGUF's conversion record, a BOM):
 * `name: OK | CHANGED | MISSING | ADDED` per file on stdout and a summary on stderr, or the one `--json` object
 * (docs/json.md "verify (reference)"). Returns the exit code: 6 when any file is not ok.
 */
export function renderReferenceVerify(
  ctx: CliContext,
  p: {
    json?: boolean;
    /** The folder or file verified, absolute. */
    path: string;
    kind: "oci-pull" | "bundle" | "gguf" | "bom";
    /** What the digests came from, for the summary line ("the manifest of ghcr.io/x/y@sha256:..."). */
    against: string;
    reference: Record<string, unknown>;
    result: VerifyAgainstDigestsResult;
    /** What to do when files differ. */
    hint: string;
  },
): number {
  const { result: r } = p;
  const bad = r.files.filter((f) => f.status !== "ok");
  const message = bad.length
    ? `${bad.length} of ${r.files.length} files differ from ${p.against}: ${bad.map((f) => `${f.name} (${f.status})`).join(", ")}.`
    : `All ${r.files.length} files match ${p.against}.`;
  if (p.json) {
    printJson(ctx, {
      ok: r.ok,
      path: p.path,
      kind: p.kind,
      reference: p.reference,
      files: r.files,
      counts: r.counts,
      ...(bad.length ? { error: { code: "VERIFY_FAILED", category: "integrity", message, hint: p.hint } } : {}),
    });
  } else {
    for (const f of r.files) printLine(ctx, `${f.name}: ${f.status.toUpperCase()}`);
    logLine(ctx, bad.length ? `error: ${message} ${p.hint}` : message);
  }
  return bad.length ? EXIT_CODES.integrity : EXIT_CODES.ok;
}
