import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { VERSION } from "../version.js";
import type { CommandRegistrar } from "../command.js";
import { intFlag } from "../int-flag.js";
import {
  EXIT_CODES,
  UsageError,
  buildModelBom,
  exitCodeForCategory,
  formatBytes,
  licenseAuditLogPath,
  parseOciReference,
  parseProvisionManifest,
  provisionModels,
  writeFileAtomic,
} from "../../index.js";
import { logLine, printJson } from "../output.js";
import { LIMIT_RATE_HELP, networkEngineOptions, PROXY_HELP, type NetworkFlags } from "../network-options.js";
import { parseRateFlag } from "../rate-flag.js";
import { hfEnvironment, resolveCliToken } from "./download-hf-env.js";
import { checkExplicitRegistryHost, registryAccess, registrySessionOptions } from "./registry-env.js";

interface ProvisionOptions extends NetworkFlags {
  dryRun?: boolean;
  bom?: string;
  organization?: string;
  concurrency?: number;
  acceptLicense?: boolean;
  allowTokenRealmHost?: string[];
  json?: boolean;
}

/** Manifests larger than this are refused before they are read whole (real ones are a few KiB). */
const MAX_MANIFEST_BYTES = 1 << 20;

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
    .option(
      "--allow-token-realm-host <host>",
      "trust this registry token-service host although it is not the registry's own (or is plain http); repeatable",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--bom <file>", "after the run, write a CycloneDX ML-BOM of every model in place (docs/bom.md)")
    .option("--organization <name>", "with --bom: the licensee organisation to name in each license")
    .option("--json", "print one JSON object on stdout at the end")
    .option("--proxy <url>", PROXY_HELP)
    .option("--limit-rate <rate>", LIMIT_RATE_HELP, parseRateFlag)
    .action(
      run(async (file: string, opts: ProvisionOptions) => {
        if (opts.bom && opts.dryRun)
          throw new UsageError("--bom describes the models a run put in place; a dry run puts none there.", {
            code: "BOM_NEEDS_RUN",
            hint: "Drop --dry-run, or run `llamagate bom <path>...` on folders already provisioned.",
          });
        const text = await readManifest(file);
        const manifest = await parseProvisionManifest({ text, name: file });
        const metaUrls: Record<string, string | undefined> = {};
        for (const m of manifest.models) if (m.metaUrlEnv) metaUrls[m.metaUrlEnv] = ctx.env[m.metaUrlEnv];
        // The signing keys come from the command's environment too (never the library's process.env default).
        const signKeys: Record<string, string | undefined> = {};
        for (const m of manifest.models) if (m.sign) signKeys[m.sign.privateKeyEnv] = ctx.env[m.sign.privateKeyEnv];
        const hf = hfEnvironment(ctx);
        // The one Hub token lookup (HF_TOKEN, the token `llamagate login` stored, hf's token file), as download uses.
        const needsHub = manifest.models.some((m) => m.source === "hf");
        const hfToken = needsHub ? (await resolveCliToken(ctx, hf, {}))?.token : undefined;
        // Registry credentials are looked up per registry host, for each OCI model: never one registry's for another.
        const registries = manifest.models.filter((m) => m.source === "oci").map((m) => parseOciReference(m.name));
        checkExplicitRegistryHost(
          ctx,
          registries.map((r) => r.registry),
        );
        const plainHttp = new Map(
          manifest.models
            .filter((m) => m.source === "oci")
            .map((m) => [parseOciReference(m.name).registry, m.plainHttp]),
        );
        const lookups = new Map<string, ReturnType<typeof registryAccess>>();
        const registryCredentials = (registry: string) => {
          if (!lookups.has(registry))
            lookups.set(registry, registryAccess(ctx, registry, { plainHttp: plainHttp.get(registry) }));
          return lookups.get(registry)!;
        };
        const report = await provisionModels({
          manifest,
          metaUrls,
          signKeys,
          license: { acceptLicense: opts.acceptLicense ? true : undefined, auditLogPath: licenseAuditLogPath(ctx.env) },
          hf: { cacheDir: hf.cacheDir, endpoint: hf.endpoint, token: hfToken },
          registryCredentials,
          registry: registrySessionOptions(ctx, opts),
          engine: networkEngineOptions(ctx, opts),
          dryRun: opts.dryRun,
          concurrency: opts.concurrency,
          env: ctx.env,
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
        // The BOM of every model in place (failed ones are not): its folder(s) and every conversion output.
        const inPlace = report.models.filter((m) => m.status === "provisioned" || m.status === "up-to-date");
        let bom: { path: string; models: number } | undefined;
        if (opts.bom && inPlace.length) {
          const doc = await buildModelBom({
            paths: inPlace.flatMap((m) => m.outputs),
            auditLogPath: licenseAuditLogPath(ctx.env),
            organization: opts.organization,
            toolVersion: VERSION,
            signal: ctx.signal,
          });
          const path = resolve(opts.bom);
          await writeFileAtomic({ path, data: `${JSON.stringify(doc, null, 2)}\n` });
          bom = { path, models: (doc.components as unknown[]).length };
          if (!opts.json) logLine(ctx, `CycloneDX BOM of ${bom.models} model path(s): ${path}`);
        }
        if (opts.json) printJson(ctx, { ...report, ...(bom ? { bom } : {}) });
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

/** The manifest's text, refusing a file over MAX_MANIFEST_BYTES before reading it whole. */
async function readManifest(file: string): Promise<string> {
  const cannot = (e: unknown) =>
    new UsageError(`Cannot read the manifest ${file} (${(e as NodeJS.ErrnoException).code ?? "error"}).`, {
      code: "BAD_MANIFEST",
    });
  const fh = await open(file, "r").catch((e) => {
    throw cannot(e);
  });
  try {
    const buf = Buffer.alloc(MAX_MANIFEST_BYTES + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null).catch((e) => {
        throw cannot(e);
      });
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > MAX_MANIFEST_BYTES)
        throw new UsageError(
          `The manifest ${file} is larger than ${MAX_MANIFEST_BYTES >> 20} MiB; refusing to read it (a manifest lists models and settings: a few KiB).`,
          {
            code: "MANIFEST_TOO_LARGE",
            hint: "Check that the path names the manifest (docs/provision.md), not a model or data file.",
          },
        );
    }
    return buf.subarray(0, n).toString("utf8");
  } finally {
    await fh.close().catch(() => {});
  }
}
