import { resolve } from "node:path";
import { formatBytes } from "../../core/format-bytes.js";
import { UsageError } from "../../core/errors.js";
import { pushOciIter, type PushOciSummary } from "../../pipeline/push-oci.js";
import { parseOciReference } from "../../sources/oci/parse-oci-reference.js";
import { SIGNATURE_ARTIFACT } from "../../sources/oci/media-types.js";
import { buildModelBom } from "../../provenance/bom/build-model-bom.js";
import { licenseAuditLogPath } from "../../core/defaults/llamagate-paths.js";
import { VERSION } from "../version.js";
import type { CommandRegistrar } from "../command.js";
import { logLine, printJson, printLine } from "../output.js";
import { ociUploadStateDir, registryAccess, registrySessionOptions } from "./registry-env.js";

interface PushOptions {
  model?: string;
  licenseFamily?: string;
  plainHttp?: boolean;
  chunkMb?: number;
  monolithic?: boolean;
  concurrency?: number;
  allowTokenRealmHost?: string[];
  signature?: string | false;
  bom?: boolean;
  organization?: string;
  json?: boolean;
}

/**
 * `llamagate push <dir> <registry>/<repo>:<tag>`: upload a model folder as a CNCF ModelPack artifact.
 * Prints the pushed reference with its digest on stdout (or one JSON object with --json).
 */
export const registerPushCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("push")
    .description(
      "Upload a model folder to an OCI registry as a CNCF ModelPack artifact (blobs it has are skipped; chunked, resumable)",
    )
    .argument("<dir>", "model folder (Meta layout, Hugging Face snapshot or --local-dir, GGUF files)")
    .argument("<ref>", "<registry>/<repository>:<tag>, e.g. registry.example.com/models/llama-2-7b:v1")
    .option(
      "--model <name>",
      "catalog name of the model (license family and size in the config; default: the folder's name if llamagate knows it)",
    )
    .option(
      "--license-family <id>",
      "license family when the folder does not tell (llama2, llama3, llama3.1, llama3.2, llama3.3, llama4, or none)",
    )
    .option("--plain-http", "use http:// (loopback or test registries only; prints a warning)")
    .option(
      "--allow-token-realm-host <host>",
      "trust this token-service host although it is not the registry's own (or is plain http); repeatable",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      "--chunk-mb <n>",
      "upload blobs larger than this in PATCH chunks of this many MiB",
      (v) => intArg(v, "--chunk-mb", 1, 4096),
      64,
    )
    .option("--monolithic", "one PUT per blob, no chunks (for registries that refuse chunked uploads)")
    .option("--concurrency <n>", "blobs uploaded at once", (v) => intArg(v, "--concurrency", 1, 16), 3)
    .option(
      "--signature <file>",
      "the model's OMS signature to attach as an OCI referrer (default: the folder's model.sig when there is one)",
    )
    .option("--no-signature", "attach no signature (the folder's model.sig is then not pushed at all)")
    .option("--bom", "attach a CycloneDX ML-BOM of the folder as an OCI referrer too")
    .option("--organization <name>", "with --bom: the licensee organisation to name in the license")
    .option("--json", "print one JSON object on stdout at the end")
    .action(
      run(async (dirArg: string, refArg: string, opts: PushOptions) => {
        const ref = parseOciReference(refArg);
        const credentials = await registryAccess(ctx, ref.registry, opts);
        const bom = opts.bom
          ? await buildModelBom({
              paths: [resolve(dirArg)],
              auditLogPath: licenseAuditLogPath(ctx.env),
              organization: opts.organization,
              toolVersion: VERSION,
              signal: ctx.signal,
            })
          : undefined;
        const it = pushOciIter({
          dir: resolve(dirArg),
          ref: refArg,
          model: opts.model,
          licenseFamily: opts.licenseFamily,
          plainHttp: opts.plainHttp,
          credentials,
          ...registrySessionOptions(ctx, opts),
          chunkSize: (opts.chunkMb ?? 64) * (1 << 20),
          monolithic: opts.monolithic,
          concurrency: opts.concurrency,
          stateDir: ociUploadStateDir(ctx, ref.registry, ref.repository),
          ...(typeof opts.signature === "string" ? { signaturePath: resolve(opts.signature) } : {}),
          ...(opts.signature === false ? { attachSignature: false } : {}),
          ...(bom ? { bom: Buffer.from(`${JSON.stringify(bom, null, 2)}\n`) } : {}),
          signal: ctx.signal,
        });
        let summary: PushOciSummary;
        for (;;) {
          const r = await it.next();
          if (r.done) {
            summary = r.value;
            break;
          }
          const e = r.value;
          if (opts.json) continue;
          if (e.type === "push-plan") {
            const license = e.licenseFamily ? `license ${e.licenseFamily}` : "no Llama license";
            logLine(
              ctx,
              `${e.files.length} file(s), ${formatBytes(e.totalBytes)} (${e.model ?? "not in the catalog"}, ${license}).`,
            );
            if (e.fromReleaseRoot.length)
              logLine(ctx, `Taken along from the release folder: ${e.fromReleaseRoot.join(", ")}.`);
          } else if (e.type === "push-note") {
            const what = {
              resumed: `resuming the upload at ${formatBytes(e.offset)} (the registry's upload status)`,
              restarted: `restarting the upload: ${e.reason ?? "the registry cannot continue the earlier one"}`,
              "fallback-monolithic": `the registry refused chunks; sending it in one request${e.reason ? ` (${e.reason})` : ""}`,
            }[e.kind];
            logLine(ctx, `${e.path}: ${what}.`);
          } else if (e.type === "push-referrer") {
            const what = e.artifactType === SIGNATURE_ARTIFACT ? "Signature" : "BOM";
            const how = e.mode === "referrers-api" ? "referrers API" : "sha256-<digest> fallback tag";
            logLine(ctx, `${what} attached as a referrer (${e.digest}, ${how}).`);
          } else if (e.type === "push-blob-done") {
            logLine(
              ctx,
              `${e.path}: ${e.mode === "exists" ? "already on the registry" : `uploaded (${formatBytes(e.bytesSent)}${e.resumedFrom ? `, resumed at ${formatBytes(e.resumedFrom)}` : ""})`}.`,
            );
          }
        }
        if (opts.json) {
          printJson(ctx, { ok: true, ...summary });
          return 0;
        }
        logLine(
          ctx,
          `Pushed ${summary.files.length} file(s): ${formatBytes(summary.bytesSent)} sent, ${summary.blobsSkipped} blob(s) already there, ${summary.seconds.toFixed(1)} s.`,
        );
        printLine(ctx, `${summary.ref}@${summary.digest}`);
        return 0;
      }),
    );
};

function intArg(v: string, flag: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, got "${v}".`);
  return n;
}
