import { resolve } from "node:path";
import type { CommandRegistrar } from "../command.js";
import type { CliContext } from "../context.js";
import { licenseGateLine } from "../license-gate-line.js";
import { licenseGateParams } from "../license-gate-params.js";
import { licenseOptions, type LicenseCliOptions } from "../license-options.js";
import { logLine, printJson, printLine } from "../output.js";
import { signatureTrustFromFlags, type SignatureTrustFlags } from "../signature-trust-from-flags.js";
import {
  LICENSE_FAMILIES,
  tryFindModel,
  formatBytes,
  licenseGate,
  unpackBundle,
  verifyStagedSignature,
  type BundleManifest,
  type CatalogModel,
  type LicenseFamilyId,
} from "../../index.js";

type UnpackOptions = LicenseCliOptions & SignatureTrustFlags & { dir: string; force?: boolean; json?: boolean };

/**
 * `llamagate unpack bundle.tar --dir D`: the license check runs on the bundle's model with the user's own
 * facts (flags, profile, earlier acceptance: as `pull` does) before any file is written; every file is
 * verified while extracting; nothing half-written on failure.
 */
export const registerUnpackCommand: CommandRegistrar = (program, ctx, run) => {
  const cmd = program
    .command("unpack")
    .description(
      "Unpack a bundle made by `llamagate pack`, license-checked with your facts first, verifying every file's sha256 while extracting (unsafe or corrupted bundles are refused)",
    )
    .argument("<bundle>", "the .tar bundle")
    .requiredOption("--dir <dir>", "destination folder")
    .option("--force", "replace files in --dir whose content differs from the bundle's")
    .option(
      "--public-key <file>",
      "verify the bundle's model.sig with the signer's ECDSA public key (PEM) before any file is placed",
    )
    .option("--certificate-chain <files...>", "the same, with CA certificates to trust (PEM)")
    .option("--json", "print one JSON object on stdout at the end");
  licenseOptions(cmd).action(
    run(async (bundle: string, opts: UnpackOptions) => {
      const t0 = performance.now();
      const notes: string[] = [];
      let check: unknown = null;
      const trust = await signatureTrustFromFlags(ctx, opts);
      const r = await unpackBundle({
        bundle: resolve(bundle),
        dir: resolve(opts.dir),
        force: Boolean(opts.force),
        signal: ctx.signal,
        beforeExtract: async (manifest) => {
          check = await gate(ctx, manifest, opts, (line) => {
            notes.push(line);
            if (!opts.json) logLine(ctx, line);
          });
        },
        ...(trust
          ? {
              beforePublish: (staging: string) =>
                verifyStagedSignature({ staging, trust, what: bundle, signal: ctx.signal }),
            }
          : {}),
      });
      const seconds = (performance.now() - t0) / 1000;
      if (opts.json) {
        printJson(ctx, {
          ok: true,
          dir: r.dir,
          model: r.manifest.model,
          files: r.files,
          bytes: r.bytes,
          license: r.manifest.license,
          licenseCheck: check,
          signatureVerified: Boolean(trust),
          bom: Boolean(r.manifest.bom),
          notes,
          seconds: Math.round(seconds * 1000) / 1000,
        });
        return 0;
      }
      const kept = r.files.filter((f) => !f.written).length;
      logLine(
        ctx,
        `Unpacked and verified ${r.files.length} file(s) (${formatBytes(r.bytes)}) in ${seconds.toFixed(1)} s${kept ? `; ${kept} already there with the same content, left as they were` : ""}.`,
      );
      if (trust) logLine(ctx, "Signature verified (model.sig): every file is the signed one.");
      printLine(ctx, r.dir);
      return 0;
    }),
  );
};

/**
 * The license gate on the bundle's model, with the user's facts: the bundle's own record (made by whoever
 * packed it, possibly for another organisation) is shown, never taken as the verdict.
 */
async function gate(
  ctx: CliContext,
  manifest: BundleManifest,
  opts: UnpackOptions,
  log: (line: string) => void,
): Promise<unknown> {
  const record = manifest.license as { licenseName?: string; time?: string; verdict?: string; mau?: number } | null;
  if (record)
    log(
      `The bundle records an acceptance of ${record.licenseName ?? "?"} at ${record.time ?? "?"} (verdict ${record.verdict ?? "?"} for ${record.mau ?? "?"} MAU, by whoever packed it); checking it for you now.`,
    );
  else log(`note: the bundle carries no license acceptance record.`);
  const model = modelOf(manifest);
  if (!model) {
    log(
      "note: the bundle names no Llama model or license llamagate knows, so no Llama license check applies; read its license yourself.",
    );
    return null;
  }
  const result = await licenseGate(licenseGateParams({ opts, ctx, model, command: "unpack" }));
  log(licenseGateLine(model.name, result));
  return { family: model.license, verdict: result.verdict, acceptedVia: result.acceptance.via };
}

function modelOf(manifest: BundleManifest): CatalogModel | undefined {
  // Not a catalog name: fall back to the recorded family.
  const known = manifest.model ? tryFindModel({ name: manifest.model }) : undefined;
  if (known) return known;
  const family = (manifest.license as { licenseFamily?: string } | null)?.licenseFamily as LicenseFamilyId | undefined;
  if (!family || !Object.hasOwn(LICENSE_FAMILIES, family)) return undefined;
  const fam = LICENSE_FAMILIES[family];
  const name = manifest.model ?? `a ${fam.name} model`;
  // Unknown model under a known license: multimodal where the family has the EU clause (the stricter reading).
  return {
    name,
    aliases: [],
    title: name,
    series: fam.name,
    size: "?",
    license: family,
    multimodal: Boolean(fam.euMultimodal),
    released: "1970-01-01",
    hfRepo: "",
  };
}
