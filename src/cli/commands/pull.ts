import { findModel } from "../../catalog/find-model.js";
import type { CatalogModel, LicenseFamilyId } from "../../catalog/models.js";
import { formatBytes } from "../../core/format-bytes.js";
import { LICENSE_FAMILIES } from "../../license/families.js";
import { licenseGate } from "../../pipeline/license-gate.js";
import { pullOciIter, type OciFetchInfo, type PullOciSummary } from "../../pipeline/pull-oci.js";
import { parseOciReference } from "../../sources/oci/parse-oci-reference.js";
import type { CommandRegistrar } from "../command.js";
import { intFlag } from "../int-flag.js";
import type { CliContext } from "../context.js";
import { engineOptionsFromFlags, type EngineFlags } from "../engine-options-from-flags.js";
import { licenseGateLine } from "../license-gate-line.js";
import { licenseGateParams } from "../license-gate-params.js";
import { licenseOptions, type LicenseCliOptions } from "../license-options.js";
import { logLine, printJson, printLine } from "../output.js";
import { createDownloadProgress } from "../progress/create-download-progress.js";
import { registryAccess } from "./registry-env.js";

type PullOptions = EngineFlags & LicenseCliOptions & { dir?: string; plainHttp?: boolean; json?: boolean };

/**
 * `llamagate pull <ref> --dir D`: fetch a ModelPack model artifact. The license check runs on the
 * artifact's config before any layer is requested; layers go through the transfer engine.
 */
export const registerPullCommand: CommandRegistrar = (program, ctx, run) => {
  const cmd = program
    .command("pull")
    .description(
      "Download a model from an OCI registry (ModelPack artifact): license-checked on its config first, resumable, sha256-verified",
    )
    .argument("<ref>", "<registry>/<repository>:<tag> or <registry>/<repository>@sha256:<digest>")
    .requiredOption("--dir <dir>", "destination folder")
    .option("--plain-http", "use http:// (loopback or test registries only; prints a warning)")
    .option("--concurrency <n>", "layers downloaded at once (default 4)", intFlag("--concurrency", 1, 64))
    .option("--parts <n>", "parallel Range requests per large layer", intFlag("--parts", 1, 64), 1)
    .option("--min-part-mb <n>", "with --parts: smallest part, in MiB", intFlag("--min-part-mb", 1, 4096))
    .option(
      "--stall-timeout <seconds>",
      "retry a transfer that receives nothing for this long",
      intFlag("--stall-timeout", 1, 3600),
    )
    .option(
      "--lock-wait <seconds>",
      "wait this long for another llamagate run on the same folder",
      intFlag("--lock-wait", 0, 86_400),
    )
    .option("--json", "print one JSON object on stdout at the end");
  licenseOptions(cmd).action(
    run(async (refArg: string, opts: PullOptions) => {
      const ref = parseOciReference(refArg);
      const credentials = await registryAccess(ctx, ref.registry, opts);
      const progress = createDownloadProgress(ctx, { json: Boolean(opts.json) });
      let summary: PullOciSummary;
      let license: unknown = null;
      try {
        const it = pullOciIter({
          ref: refArg,
          dir: opts.dir!,
          plainHttp: opts.plainHttp,
          credentials,
          ...engineOptionsFromFlags(ctx, opts),
          beforeFetch: async (info) => {
            license = await gate(ctx, info, opts, (line) => progress.log(line));
          },
        });
        for (;;) {
          const r = await it.next();
          if (r.done) {
            summary = r.value;
            break;
          }
          if (r.value.type === "oci-resolved" && !opts.json) {
            progress.log(
              `${r.value.ref} is ${r.value.digest}: ${r.value.layers} file(s), ${formatBytes(r.value.totalBytes)}${r.value.model ? ` (${r.value.model})` : ""}.`,
            );
          }
          progress.onEvent(r.value);
        }
      } finally {
        progress.stop();
      }
      if (opts.json) {
        printJson(ctx, { ok: true, ...summary, license });
        return 0;
      }
      const got = summary.files.filter((f) => f.downloaded).length;
      logLine(
        ctx,
        `${summary.files.length} file(s) verified, ${got} downloaded (${formatBytes(summary.bytesTransferred)}) in ${summary.seconds.toFixed(1)} s.`,
      );
      printLine(ctx, summary.dir);
      return 0;
    }),
  );
};

/**
 * The license gate on the artifact's config: the model by its catalog name, else a model of the license
 * family the config declares; an artifact with neither is not a Llama model llamagate knows (a note says so).
 */
async function gate(
  ctx: CliContext,
  info: OciFetchInfo,
  opts: PullOptions,
  log: (line: string) => void,
): Promise<unknown> {
  const model = modelOf(info);
  if (!model) {
    if (!opts.json)
      log(
        `note: ${info.ref} declares no Llama license llamagate knows (${info.config.licenses.join(", ") || "no license"}), so no Llama license check applies; read its license yourself.`,
      );
    return null;
  }
  const result = await licenseGate(licenseGateParams({ opts, ctx, model, command: "pull" }));
  if (!opts.json) log(licenseGateLine(model.name, result));
  return { family: model.license, verdict: result.verdict, acceptedVia: result.acceptance.via };
}

function modelOf(info: OciFetchInfo): CatalogModel | undefined {
  for (const name of [info.config.catalogName, info.config.name]) {
    if (!name) continue;
    try {
      return findModel({ name });
    } catch {
      // not a catalog name
    }
  }
  const family = info.config.licenseFamily as LicenseFamilyId | undefined;
  if (!family || !Object.hasOwn(LICENSE_FAMILIES, family)) return undefined;
  const fam = LICENSE_FAMILIES[family];
  // Unknown model under a known license: assume multimodal where the family has the EU clause (the stricter reading).
  return {
    name: info.config.name ?? info.ref,
    aliases: [],
    title: info.config.name ?? info.ref,
    series: fam.name,
    size: info.config.paramSize ?? "?",
    license: family,
    multimodal: Boolean(fam.euMultimodal),
    released: "1970-01-01",
    hfRepo: "",
  };
}
