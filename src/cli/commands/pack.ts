import { resolve } from "node:path";
import { VERSION } from "../version.js";
import type { CommandRegistrar } from "../command.js";
import { logLine, printJson, printLine } from "../output.js";
import { buildModelBom, formatBytes, licenseAuditLogPath, packBundle } from "../../index.js";

/** `llamagate pack <dir> -o bundle.tar`: an air-gapped bundle (files + sha256 manifest + license acceptance record). */
export const registerPackCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("pack")
    .description(
      "Pack a model folder into one tar bundle for air-gapped networks (manifest of sizes + sha256, license acceptance record)",
    )
    .argument("<dir>", "model folder")
    .requiredOption("-o, --out <file>", "bundle to write (e.g. llama-2-7b.tar)")
    .option("--model <name>", "catalog name of the model (default: the folder's name if llamagate knows it)")
    .option(
      "--license-family <id>",
      "license family when the folder does not tell (llama2, llama3, llama3.1, llama3.2, llama3.3, llama4, or none)",
    )
    .option("--force", "replace an existing file at -o")
    .option("--bom", "carry a CycloneDX ML-BOM of the folder in the bundle manifest")
    .option("--organization <name>", "with --bom: the licensee organisation to name in the license")
    .option("--json", "print one JSON object on stdout at the end")
    .action(
      run(
        async (
          dir: string,
          opts: {
            out: string;
            model?: string;
            licenseFamily?: string;
            force?: boolean;
            bom?: boolean;
            organization?: string;
            json?: boolean;
          },
        ) => {
          const bom = opts.bom
            ? await buildModelBom({
                paths: [resolve(dir)],
                auditLogPath: licenseAuditLogPath(ctx.env),
                organization: opts.organization,
                toolVersion: VERSION,
                signal: ctx.signal,
              })
            : undefined;
          let lastLog = Date.now();
          const s = await packBundle({
            dir,
            out: opts.out,
            model: opts.model,
            licenseFamily: opts.licenseFamily,
            force: Boolean(opts.force),
            auditLogPath: licenseAuditLogPath(ctx.env),
            ...(bom ? { bom } : {}),
            signal: ctx.signal,
            onEvent: (e) => {
              if (opts.json || e.type !== "progress" || Date.now() - lastLog < 5000) return;
              lastLog = Date.now();
              logLine(ctx, `packing: ${formatBytes(e.bytes)} / ${formatBytes(e.total)}`);
            },
          });
          if (opts.json) {
            printJson(ctx, { ok: true, ...s });
            return 0;
          }
          if (s.fromReleaseRoot.length)
            logLine(ctx, `Taken along from the release folder: ${s.fromReleaseRoot.join(", ")}.`);
          logLine(
            ctx,
            `Packed ${s.files.length} file(s) (${formatBytes(s.bytes)})${s.license ? `, with the ${s.license.licenseName} acceptance of ${s.license.time}` : ""} in ${s.seconds.toFixed(1)} s.`,
          );
          printLine(ctx, s.out);
          return 0;
        },
      ),
    );
};
