import { resolve } from "node:path";
import type { CommandRegistrar } from "../command.js";
import { expandHome } from "../expand-home.js";
import { logLine, printJson, printLine } from "../output.js";
import { VERSION } from "../version.js";
import { buildModelBom, licenseAuditLogPath, writeFileAtomic } from "../../index.js";

/**
 * `llamagate bom <path>... [-o FILE]`: a CycloneDX 1.6 ML-BOM of the models (files and hashes, license with the
 * recorded acceptance, lineage, signature). Without -o the BOM goes to stdout.
 */
export const registerBomCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("bom")
    .description("Write a CycloneDX 1.6 ML-BOM: models, file hashes, license with the recorded acceptance, lineage")
    .argument("<paths...>", "model folders (Meta, Hub snapshot, pulled, unpacked) and GGUF files")
    .option("-o, --out <file>", "write the BOM here (default: stdout)")
    .option("--organization <name>", "the licensee organisation to name in each license")
    .option("--json", "with -o: print one JSON summary on stdout")
    .action(
      run(async (paths: string[], opts: { out?: string; organization?: string; json?: boolean }) => {
        const bom = await buildModelBom({
          paths: paths.map((x) => resolve(expandHome(ctx, x))),
          auditLogPath: licenseAuditLogPath(ctx.env),
          organization: opts.organization,
          toolVersion: VERSION,
          signal: ctx.signal,
        });
        const text = `${JSON.stringify(bom, null, 2)}\n`;
        if (!opts.out) {
          printLine(ctx, text.trimEnd());
          return 0;
        }
        const out = resolve(expandHome(ctx, opts.out));
        await writeFileAtomic({ path: out, data: text });
        const models = (bom.components as unknown[]).length;
        if (opts.json) printJson(ctx, { ok: true, out, models, serialNumber: bom.serialNumber });
        else {
          logLine(ctx, `CycloneDX 1.6 BOM of ${models} model(s).`);
          printLine(ctx, out);
        }
        return 0;
      }),
    );
};
