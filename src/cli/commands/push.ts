import { resolve } from "node:path";
import { VERSION } from "../version.js";
import type { CommandRegistrar } from "../command.js";
import { intFlag } from "../int-flag.js";
import { logLine, printJson, printLine } from "../output.js";
import { createDownloadProgress } from "../progress/create-download-progress.js";
import { networkEngineOptions, PROXY_HELP, type NetworkFlags } from "../network-options.js";
import { ociUploadStateDir, registryAccess, registrySessionOptions } from "./registry-env.js";
import {
  SIGNATURE_ARTIFACT,
  buildModelBom,
  formatBytes,
  licenseAuditLogPath,
  parseOciReference,
  pushOciIter,
  type DownloadEvent,
  type PushOciSummary,
} from "../../index.js";

interface PushOptions extends NetworkFlags {
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
      intFlag("--chunk-mb", 1, 4096),
      64,
    )
    .option("--monolithic", "one PUT per blob, no chunks (for registries that refuse chunked uploads)")
    .option("--concurrency <n>", "blobs uploaded at once", intFlag("--concurrency", 1, 16), 3)
    .option(
      "--signature <file>",
      "the model's OMS signature to attach as an OCI referrer (default: the folder's model.sig when there is one)",
    )
    .option("--no-signature", "attach no signature (the folder's model.sig is then not pushed at all)")
    .option("--bom", "attach a CycloneDX ML-BOM of the folder as an OCI referrer too")
    .option("--organization <name>", "with --bom: the licensee organisation to name in the license")
    .option("--json", "print one JSON object on stdout at the end")
    .option("--proxy <url>", PROXY_HELP)
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
          dispatcher: networkEngineOptions(ctx, opts).dispatcher,
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
        // Hashing, then uploads, on the same display as pull: bars on a terminal, periodic lines in a pipe.
        const progress = createDownloadProgress(ctx, {
          json: Boolean(opts.json),
          words: { done: "uploaded", skipped: "already on the registry" },
        });
        const hashing = { files: 0, bytes: 0, totalFiles: 0, totalBytes: 0, started: Date.now() };
        let planFiles: { name: string; path: string; expectedSize: number }[] = [];
        const uploads = new Map<string, { since: number; from: number }>();
        let planned = false;
        const feed = (ev: DownloadEvent) => progress.onEvent(ev);
        let summary: PushOciSummary;
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) {
              summary = r.value;
              break;
            }
            const e = r.value;
            if (e.type === "push-plan") {
              hashing.totalFiles = e.files.length;
              planFiles = e.files.map((f) => ({ name: f.path, path: f.path, expectedSize: f.size }));
              hashing.totalBytes = e.totalBytes;
              if (opts.json) continue;
              const license = e.licenseFamily ? `license ${e.licenseFamily}` : "no Llama license";
              progress.log(
                `${e.files.length} file(s), ${formatBytes(e.totalBytes)} (${e.model ?? "not in the catalog"}, ${license}).`,
              );
              if (e.fromReleaseRoot.length)
                progress.log(`Taken along from the release folder: ${e.fromReleaseRoot.join(", ")}.`);
              progress.display.update(
                [{ name: "hashing", done: 0, total: e.totalBytes, speed: 0, note: `0/${e.files.length} files` }],
                `hashing ${e.files.length} file(s), ${formatBytes(e.totalBytes)}`,
              );
            } else if (e.type === "push-hashed") {
              hashing.files++;
              hashing.bytes += e.size;
              const seconds = (Date.now() - hashing.started) / 1000;
              const speed = seconds > 0.2 ? hashing.bytes / seconds : 0;
              progress.display.update(
                [
                  {
                    name: "hashing",
                    done: hashing.bytes,
                    total: hashing.totalBytes,
                    speed,
                    note: `${hashing.files}/${hashing.totalFiles} files`,
                  },
                ],
                `hashing: ${formatBytes(hashing.bytes)} / ${formatBytes(hashing.totalBytes)}, ${hashing.files}/${hashing.totalFiles} files`,
              );
            } else if (e.type === "push-progress") {
              if (!planned) {
                planned = true;
                feed({ type: "plan", files: planFiles, totalBytes: hashing.totalBytes });
              }
              const u = uploads.get(e.path);
              if (!u) {
                uploads.set(e.path, { since: Date.now(), from: e.offset });
                feed({
                  type: "file-start",
                  name: e.path,
                  path: e.path,
                  totalBytes: e.size,
                  resumeFrom: e.offset,
                });
              } else {
                const seconds = (Date.now() - u.since) / 1000;
                feed({
                  type: "file-progress",
                  name: e.path,
                  bytesDone: e.offset,
                  totalBytes: e.size,
                  bytesPerSecond: seconds > 0.2 ? (e.offset - u.from) / seconds : 0,
                });
              }
            } else if (e.type === "push-note") {
              if (opts.json) continue;
              const what = {
                resumed: `resuming the upload at ${formatBytes(e.offset)} (the registry's upload status)`,
                restarted: `restarting the upload: ${e.reason ?? "the registry cannot continue the earlier one"}`,
                "fallback-monolithic": `the registry refused chunks; sending it in one request${e.reason ? ` (${e.reason})` : ""}`,
              }[e.kind];
              progress.log(`${e.path}: ${what}.`);
            } else if (e.type === "push-referrer") {
              if (opts.json) continue;
              const what = e.artifactType === SIGNATURE_ARTIFACT ? "Signature" : "BOM";
              const how = e.mode === "referrers-api" ? "referrers API" : "sha256-<digest> fallback tag";
              progress.log(`${what} attached as a referrer (${e.digest}, ${how}).`);
            } else if (e.type === "push-blob-done") {
              const u = uploads.get(e.path);
              const size = e.mode === "exists" ? 0 : e.bytesSent + e.resumedFrom;
              feed({
                type: "file-done",
                name: e.path,
                path: e.path,
                file: {
                  name: e.path,
                  path: e.path,
                  size,
                  hashes: {},
                  bytesTransferred: e.bytesSent,
                  bytesReused: e.resumedFrom,
                  retries: 0,
                  skipped: e.mode === "exists",
                  verified: true,
                  seconds: u ? (Date.now() - u.since) / 1000 : 0,
                },
              });
            }
          }
        } finally {
          progress.stop();
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
