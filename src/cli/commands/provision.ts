import { readFile } from "node:fs/promises";
import { formatBytes } from "../../core/format-bytes.js";
import { UsageError } from "../../core/errors.js";
import { parseProvisionManifest } from "../../pipeline/parse-provision-manifest.js";
import { provisionModels } from "../../pipeline/provision-models.js";
import { parseOciReference } from "../../sources/oci/parse-oci-reference.js";
import type { CommandRegistrar } from "../command.js";
import { intFlag } from "../int-flag.js";
import { EXIT_CODES, exitCodeForCategory } from "../exit-codes.js";
import { licenseAuditLogPath } from "../../core/defaults/llamagate-paths.js";
import { logLine, printJson } from "../output.js";
import { hfEnvironment } from "./download-hf-env.js";
import { registryAccess } from "./registry-env.js";

interface ProvisionOptions {
  dryRun?: boolean;
  concurrency?: number;
  acceptLicense?: boolean;
  json?: boolean;
}

/**
 * `llamagate provision <manifest> [--dry-run] [--concurrency N] [--json]`: every model of a YAML/JSON
 * manifest, idempotently. Exit 0 when every model is provisioned or up to date; otherwise the exit code of
 * the first failed model's error category.
 */
export const registerProvisionCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("provision")
    .description(
      "Provision every model of a YAML/JSON manifest (license-checked, downloaded, verified, converted); idempotent",
    )
    .argument("<manifest>", "manifest file (docs/provision.md; schema: docs/provision.schema.json)")
    .option("--dry-run", "show license verdicts, files and disk needed; transfer and write nothing")
    .option("--concurrency <n>", "models at once (default: the manifest's, else 2)", intFlag("--concurrency", 1, 16))
    .option("--accept-license", "accept the license terms (same as license.acceptLicense in the manifest)")
    .option("--json", "print one JSON object on stdout at the end")
    .action(
      run(async (file: string, opts: ProvisionOptions) => {
        const text = await readFile(file, "utf8").catch((e) => {
          throw new UsageError(`Cannot read the manifest ${file} (${(e as NodeJS.ErrnoException).code ?? "error"}).`, {
            code: "BAD_MANIFEST",
          });
        });
        const manifest = parseProvisionManifest({ text, name: file });
        const metaUrls: Record<string, string | undefined> = {};
        for (const m of manifest.models) if (m.metaUrlEnv) metaUrls[m.metaUrlEnv] = ctx.env[m.metaUrlEnv];
        const hf = hfEnvironment(ctx);
        // One credential lookup per registry the manifest names (the first OCI model's registry wins for now).
        const oci = manifest.models.find((m) => m.source === "oci");
        const registryCredentials = oci
          ? await registryAccess(ctx, parseOciReference(oci.name).registry, { plainHttp: oci.plainHttp })
          : undefined;
        const report = await provisionModels({
          manifest,
          metaUrls,
          license: { acceptLicense: opts.acceptLicense ? true : undefined, auditLogPath: licenseAuditLogPath(ctx.env) },
          hf: { cacheDir: hf.cacheDir, endpoint: hf.endpoint, token: ctx.env.HF_TOKEN || undefined },
          registryCredentials,
          dryRun: opts.dryRun,
          concurrency: opts.concurrency,
          signal: ctx.signal,
          onModel: (e) => {
            if (opts.json) return;
            if (e.type === "start") logLine(ctx, `${e.name}: starting.`);
            else {
              const r = e.report;
              const extra =
                r.status === "failed"
                  ? `: ${r.error?.message}${r.error?.hint ? ` ${r.error.hint}` : ""}`
                  : r.status === "planned"
                    ? ` (${r.plan?.files} file(s), ${formatBytes(r.diskNeeded ?? 0)} to fetch${r.plan?.convert.length ? `, convert to ${r.plan.convert.join(", ")}` : ""}${r.license ? `, license ${r.license.verdict}` : ""})`
                    : ` (${formatBytes(r.bytesDownloaded)} downloaded${r.license ? `, license ${r.license.verdict}` : ""})`;
              logLine(ctx, `${r.name}: ${r.status}${extra}`);
              for (const n of r.notes) logLine(ctx, `${r.name}: note: ${n}`);
            }
          },
        });
        if (opts.json) printJson(ctx, report);
        else
          logLine(
            ctx,
            `${report.models.filter((m) => m.status !== "failed").length} of ${report.models.length} model(s) ${opts.dryRun ? "planned" : "provisioned or up to date"} in ${report.seconds.toFixed(1)} s.`,
          );
        const failed = report.models.find((m) => m.status === "failed");
        return failed
          ? exitCodeForCategory((failed.error?.category ?? "internal") as Parameters<typeof exitCodeForCategory>[0])
          : EXIT_CODES.ok;
      }),
    );
};
