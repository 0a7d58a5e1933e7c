import { lstat } from "node:fs/promises";
import { resolve } from "node:path";
import type { CommandRegistrar } from "../command.js";
import {
  EXIT_CODES,
  formatBytes,
  isHubFolder,
  verifyChecklists,
  verifyHubFolder,
  verifyModelSignature,
  type VerifyFileResult,
  UsageError,
  verifyGguf,
  verifyCopy,
  readCappedText,
  isLlamagateError,
  verifyAgainstBom,
} from "../../index.js";
import { renderReferenceVerify } from "../render-reference-verify.js";
import { logLine, printJson, printLine } from "../output.js";
import { expandHome } from "../expand-home.js";
import { readKeyFile } from "../read-key-file.js";
import { intFlag } from "../int-flag.js";
import { createProgressDisplay } from "../progress/create-progress-display.js";
import { formatAmount, formatEta, formatSpeed } from "../progress/format-progress.js";

/** How each status reads, md5sum -c style. */
const WORDS: Record<VerifyFileResult["status"], string> = {
  OK: "OK",
  FAILED: "FAILED",
  MISSING: "MISSING",
  UNREADABLE: "FAILED open or read",
};

/**
 * `llamagate verify <path> [--json]`: re-check any copy with the evidence it has: a signature (`--signature`, keys,
 * `--trusted-root`), a BOM (`--bom`), a GGUF's conversion record, a Hub folder's recorded identities, a pulled or
 * unpacked folder's manifest, else every checklist.chk / tokenizer_checklist.chk under DIR (`path: OK|FAILED|MISSING|
 * FAILED open or read` per file on stdout, in checklist order, as results arrive). A summary on stderr; exits 6
 * (integrity) when any file is not OK.
 */
export const registerVerifyCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("verify")
    .description(
      "Re-check a copy: Meta checklists (md5sum -c), a Hub folder, a pulled or unpacked folder, a GGUF's conversion inputs, a signature or a BOM",
    )
    .argument("<dir>", "folder or file to verify (the --dir of a download, a .gguf, one checklist .chk file)")
    .option("--concurrency <n>", "files hashed at once (1-64)", intFlag("--concurrency", 1, 64))
    .option("--signature <file>", "check an OpenSSF model signature instead (default file: model.sig in the folder)")
    .option("--public-key <file>", "signature: the signer's ECDSA public key (PEM)")
    .option("--certificate-chain <files...>", "signature: CA certificates to trust (PEM)")
    .option("--trusted-root <file>", "keyless signature: the Sigstore trusted_root.json to verify against (no network)")
    .option(
      "--identity <id>",
      "keyless signature: the signer identity to accept (certificate SAN: email, workflow URI)",
    )
    .option("--issuer <url>", "keyless signature: the OIDC issuer to accept (e.g. https://accounts.google.com)")
    .option("--ignore-paths <paths...>", "signature: files or folders to leave out")
    .option("--bom <file>", "check against a CycloneDX BOM's file hashes instead (llamagate bom -o FILE)")
    .option("--bom-component <name>", "--bom: the model component to use (name or bom-ref), when it lists several")
    .option("--json", "print one JSON object on stdout at the end")
    .action(
      run(async (dirArg: string, opts: VerifyOptions) => {
        const signatureFlags = opts.signature || opts.publicKey || opts.certificateChain || opts.trustedRoot;
        if (opts.bom) {
          if (signatureFlags)
            throw new UsageError("--bom and the signature flags are two different checks: give one of them.", {
              code: "VERIFY_FLAGS_CONFLICT",
              hint: "Run verify once with --bom FILE and once with --signature/--public-key.",
            });
          return verifyBom(dirArg, opts, opts.bom);
        }
        if (opts.bomComponent)
          throw new UsageError("--bom-component picks a component of --bom FILE: pass --bom too.", {
            code: "VERIFY_FLAGS_CONFLICT",
          });
        if (signatureFlags) return verifySignature(dirArg, opts);
        if (opts.identity || opts.issuer)
          throw new UsageError("--identity and --issuer check a keyless signature: they need --trusted-root.", {
            code: "SIGNATURE_KEY_MISSING",
            hint: "Pass --trusted-root trusted_root.json (and --signature FILE unless it is DIR/model.sig).",
          });
        const dir = resolve(expandHome(ctx, dirArg));
        if (dir.toLowerCase().endsWith(".gguf") && (await lstat(dir).catch(() => undefined))?.isFile()) {
          const g = await verifyGguf({ path: dir, signal: ctx.signal });
          return renderReferenceVerify(ctx, {
            json: opts.json,
            path: dir,
            kind: "gguf",
            against: `its conversion record (converted ${g.convertedAt} from ${g.source.dir}${g.source.present ? "" : ", which is gone: only the GGUF was checked"})`,
            reference: { record: g.record, convertedAt: g.convertedAt, dtype: g.dtype, source: g.source },
            result: g,
            hint: "Convert the model again (llamagate convert --force) from a verified source, and find out what changed the files.",
          });
        }
        if (await isHubFolder(dir)) return verifyHub(dir, opts);
        const copy = await verifyCopy({ dir, signal: ctx.signal });
        if (copy) {
          const src = copy.source;
          return renderReferenceVerify(ctx, {
            json: opts.json,
            path: dir,
            kind: src.kind === "oci" ? "oci-pull" : "bundle",
            against:
              src.kind === "oci"
                ? `the manifest of ${src.ref} (${src.digest}) pulled ${copy.recordedAt}`
                : `the manifest of bundle ${src.bundle} unpacked ${copy.recordedAt}`,
            reference: { ...src, recordedAt: copy.recordedAt },
            result: copy,
            hint:
              src.kind === "oci"
                ? "Pull the model again (llamagate pull fetches what differs), and find out what changed it."
                : "Unpack the bundle again with --force, and find out what changed the copy.",
          });
        }
        // Print in checklist order even though files finish in any order.
        const done = new Map<number, VerifyFileResult>();
        let printed = 0;
        const progress = createProgressDisplay(ctx);
        let plan = { files: 0, bytes: 0 };
        let hashed = 0;
        const started = Date.now();
        const show = () => {
          const seconds = (Date.now() - started) / 1000;
          const speed = seconds > 0.2 ? hashed / seconds : undefined;
          const eta = speed ? formatEta((plan.bytes - hashed) / speed) : "?";
          progress.update(
            [
              {
                name: "verifying",
                done: hashed,
                total: plan.bytes,
                speed: speed ?? 0,
                note: `${printed}/${plan.files} files`,
              },
            ],
            `hashing: ${formatAmount(hashed, plan.bytes)}, ${formatSpeed(speed ?? 0)}, ETA ${eta}, ${printed}/${plan.files} files`,
          );
        };
        const result = await verifyChecklists({
          dir,
          concurrency: opts.concurrency,
          signal: ctx.signal,
          onPlan: (p) => {
            plan = p;
            show();
          },
          onResult: (r, i) => {
            hashed += r.size ?? 0;
            done.set(i, r);
            while (done.has(printed)) {
              const x = done.get(printed)!;
              done.delete(printed++);
              if (!opts.json) progress.around(() => printLine(ctx, `${x.path}: ${WORDS[x.status]}`));
            }
            show();
          },
        }).finally(() => progress.stop());
        const { counts } = result;
        const bad = counts.failed + counts.missing + counts.unreadable;
        const message = bad
          ? `${bad} of ${result.files.length} files did not verify (${counts.failed} FAILED, ${counts.missing} MISSING, ${counts.unreadable} unreadable).`
          : `All ${result.files.length} files OK (${result.checklists.length} checklist${result.checklists.length === 1 ? "" : "s"}, ${formatBytes(hashed)} in ${result.seconds.toFixed(1)} s).`;
        const hint =
          "Run the same llamagate download again: bad copies are moved aside and fetched again, missing files are fetched.";
        if (opts.json) {
          printJson(ctx, {
            ok: result.ok,
            dir: result.dir,
            checklists: result.checklists,
            files: result.files,
            counts,
            seconds: Math.round(result.seconds * 1000) / 1000,
            ...(bad ? { error: { code: "VERIFY_FAILED", category: "integrity", message, hint } } : {}),
          });
        } else if (bad) {
          logLine(ctx, `error: ${message} ${hint}`);
        } else {
          logLine(ctx, message);
        }
        return bad ? EXIT_CODES.integrity : EXIT_CODES.ok;
      }),
    );

  /** A Hub cache snapshot or --local-dir: every file against the identity the Hub gave it (like `hf cache verify`). */
  async function verifyHub(dir: string, opts: VerifyOptions): Promise<number> {
    const r = await verifyHubFolder({ dir, signal: ctx.signal });
    const bad = r.files.filter((f) => f.status !== "OK");
    const message = bad.length
      ? `${bad.length} of ${r.files.length} files did not verify: ${bad.map((f) => `${f.path} (${f.status})`).join(", ")}.`
      : `All ${r.files.length} files match the identity the Hub gave them (${r.kind === "hf-cache" ? "cache snapshot" : "--local-dir"}${r.repoId ? ` of ${r.repoId}` : ""}).`;
    const hint = "Run the same llamagate download again: damaged or missing files are fetched again.";
    if (opts.json) {
      printJson(ctx, {
        ok: r.ok,
        dir,
        kind: r.kind,
        ...(r.repoId ? { repoId: r.repoId } : {}),
        commits: r.commits,
        files: r.files,
        unrecorded: r.unrecorded,
        ...(bad.length ? { error: { code: "VERIFY_FAILED", category: "integrity", message, hint } } : {}),
      });
    } else {
      for (const f of r.files) printLine(ctx, `${f.path}: ${f.status}`);
      if (r.unrecorded.length) logLine(ctx, `note: no recorded identity for ${r.unrecorded.join(", ")} (not checked).`);
      logLine(ctx, bad.length ? `error: ${message} ${hint}` : message);
    }
    return bad.length ? EXIT_CODES.integrity : EXIT_CODES.ok;
  }

  /** `verify <path> --bom FILE`: the BOM's hashes as the reference (changed, missing, added files). */
  async function verifyBom(pathArg: string, opts: VerifyOptions, bomFile: string): Promise<number> {
    const bomPath = resolve(expandHome(ctx, bomFile));
    const text = await readCappedText({ path: bomPath, maxBytes: 256 << 20, what: "The BOM" }).catch((e) => {
      if (isLlamagateError(e) || (e as NodeJS.ErrnoException).code === undefined) throw e;
      throw new UsageError(`Cannot read --bom ${bomFile}.`, { code: "BOM_UNREADABLE", hint: "Check the --bom path." });
    });
    const r = await verifyAgainstBom({
      path: resolve(expandHome(ctx, pathArg)),
      bomJson: text,
      bomPath,
      component: opts.bomComponent,
      signal: ctx.signal,
    });
    return renderReferenceVerify(ctx, {
      json: opts.json,
      path: r.path,
      kind: "bom",
      against: `component ${r.component.name}${r.component.version ? ` ${r.component.version}` : ""} of ${bomPath}`,
      reference: { bom: bomPath, component: r.component.name, version: r.component.version },
      result: r,
      hint: "Do not use the changed copy: fetch the model again from a source you trust, or make a new BOM if the change is intended.",
    });
  }

  /** `verify <path> --signature F (--public-key K | --certificate-chain CA...)`: one line per file, md5sum -c style. */
  async function verifySignature(pathArg: string, opts: VerifyOptions): Promise<number> {
    const read = (f: string, flag: string) => readKeyFile(ctx, f, flag);
    const r = await verifyModelSignature({
      path: resolve(expandHome(ctx, pathArg)),
      signaturePath: opts.signature ? resolve(expandHome(ctx, opts.signature)) : undefined,
      publicKeyPem: opts.publicKey ? await read(opts.publicKey, "--public-key") : undefined,
      certificateChainPems: opts.certificateChain
        ? await Promise.all(opts.certificateChain.map((f) => read(f, "--certificate-chain")))
        : undefined,
      trustedRootJson: opts.trustedRoot ? (await read(opts.trustedRoot, "--trusted-root")).toString("utf8") : undefined,
      identity: opts.identity,
      issuer: opts.issuer,
      ignorePaths: (opts.ignorePaths ?? []).map((p) => resolve(expandHome(ctx, p))),
      signal: ctx.signal,
    });
    const bad = r.files.filter((f) => f.status !== "ok");
    const message = bad.length
      ? `The signature is valid, but ${bad.length} file(s) differ from what was signed: ${bad.map((f) => `${f.name} (${f.status})`).join(", ")}.`
      : `Signature valid (${r.method} method${r.signer ? `, signed by ${r.signer.identity} via ${r.signer.issuer}` : ""}); all ${r.files.length} file(s) match.`;
    const hint = "Do not use the changed copy: fetch the model again from a source you trust.";
    if (opts.json) {
      printJson(ctx, {
        ok: r.ok,
        path: resolve(expandHome(ctx, pathArg)),
        signature: {
          path: r.signaturePath,
          method: r.method,
          format: r.format,
          subject: r.subject,
          ...(r.signer ? { signer: r.signer } : {}),
        },
        files: r.files,
        ...(bad.length ? { error: { code: "SIGNED_FILES_DIFFER", category: "integrity", message, hint } } : {}),
      });
    } else {
      for (const f of r.files) printLine(ctx, `${f.name}: ${f.status === "ok" ? "OK" : f.status.toUpperCase()}`);
      logLine(ctx, bad.length ? `error: ${message} ${hint}` : message);
    }
    return bad.length ? EXIT_CODES.integrity : EXIT_CODES.ok;
  }
};

interface VerifyOptions {
  json?: boolean;
  concurrency?: number;
  signature?: string;
  publicKey?: string;
  certificateChain?: string[];
  ignorePaths?: string[];
  trustedRoot?: string;
  identity?: string;
  issuer?: string;
  bom?: string;
  bomComponent?: string;
}
