import type { CommandRegistrar } from "../command.js";
import { intFlag } from "../int-flag.js";
import type { CliContext } from "../context.js";
import { engineOptionsFromFlags, type EngineFlags } from "../engine-options-from-flags.js";
import { networkOptions } from "../network-options.js";
import { licenseGateLine } from "../license-gate-line.js";
import { licenseGateParams } from "../license-gate-params.js";
import { licenseOptions, type LicenseCliOptions } from "../license-options.js";
import { logLine, printJson, printLine } from "../output.js";
import { createDownloadProgress } from "../progress/create-download-progress.js";
import { signatureTrustFromFlags, type SignatureTrustFlags } from "../signature-trust-from-flags.js";
import { registryAccess, registrySessionOptions } from "./registry-env.js";
import {
  UsageError,
  formatBytes,
  licenseGate,
  parseOciReference,
  pullOciIter,
  selectOciLicenseModels,
  type OciFetchInfo,
  type PullOciSummary,
} from "../../index.js";

type PullOptions = EngineFlags &
  LicenseCliOptions &
  SignatureTrustFlags & {
    dir?: string;
    plainHttp?: boolean;
    allowTokenRealmHost?: string[];
    requireSignature?: boolean;
    json?: boolean;
  };

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
    .option(
      "--allow-token-realm-host <host>",
      "trust this token-service host although it is not the registry's own (or is plain http); repeatable",
      (v: string, prev: string[] = []) => [...prev, v],
    )
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
    .option(
      "--require-signature",
      "refuse the model unless its attached OMS signature verifies (with --public-key or --certificate-chain) before anything is placed in --dir",
    )
    .option("--public-key <file>", "with --require-signature: the signer's ECDSA public key (PEM)")
    .option("--certificate-chain <files...>", "with --require-signature: CA certificates to trust (PEM)")
    .option("--json", "print one JSON object on stdout at the end");
  networkOptions(cmd, { limitRate: true });
  licenseOptions(cmd).action(
    run(async (refArg: string, opts: PullOptions) => {
      const ref = parseOciReference(refArg);
      const trust = await signatureTrustFromFlags(ctx, opts);
      if (opts.requireSignature && !trust)
        throw new UsageError("--require-signature needs --public-key or --certificate-chain.", {
          code: "SIGNATURE_KEY_MISSING",
          hint: "Pass --public-key KEY.pem (key method) or --certificate-chain CA.pem (certificate method).",
        });
      if (trust && !opts.requireSignature)
        throw new UsageError("--public-key and --certificate-chain go with --require-signature.", {
          code: "SIGNATURE_KEY_UNUSED",
          hint: "Add --require-signature to verify the model's signature before it is placed.",
        });
      const credentials = await registryAccess(ctx, ref.registry, opts);
      const session = registrySessionOptions(ctx, opts);
      const progress = createDownloadProgress(ctx, { json: Boolean(opts.json) });
      let summary: PullOciSummary;
      let license: unknown = null;
      try {
        const it = pullOciIter({
          ref: refArg,
          dir: opts.dir!,
          plainHttp: opts.plainHttp,
          credentials,
          ...session,
          ...engineOptionsFromFlags(ctx, opts),
          ...(trust ? { requireSignature: trust } : {}),
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
      if (summary.signature) logLine(ctx, `Signature verified (${summary.signature.digest}); written as model.sig.`);
      printLine(ctx, summary.dir);
      return 0;
    }),
  );
};

/**
 * The license gate on the artifact (selectOciLicenseModels: the config's model or license family, and the
 * LICENSE file's family): every selected model must pass; none selected means no Llama license applies (a
 * note says so).
 */
async function gate(
  ctx: CliContext,
  info: OciFetchInfo,
  opts: PullOptions,
  log: (line: string) => void,
): Promise<unknown> {
  const { models, notes } = selectOciLicenseModels({
    ref: info.ref,
    config: info.config,
    ...(info.licenseText !== undefined ? { licenseText: info.licenseText } : {}),
  });
  if (!opts.json) for (const n of notes) log(`note: ${n}`);
  let first: unknown = null;
  for (const model of models) {
    const result = await licenseGate(licenseGateParams({ opts, ctx, model, command: "pull" }));
    if (!opts.json) log(licenseGateLine(model.name, result));
    first ??= { family: model.license, verdict: result.verdict, acceptedVia: result.acceptance.via };
  }
  return first;
}
