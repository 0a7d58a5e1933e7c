import { CATALOG } from "../../catalog/models.js";
import type { CommandRegistrar } from "../command.js";
import { printJson, printLine } from "../output.js";

/** `llamagate models [--json]`: list the catalog. */
export const registerModelsCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("models")
    .description("List the models llamagate knows (name, license family, Meta folder and shards, Hugging Face repo)")
    .option("--json", "print one JSON object on stdout")
    .action(
      run(async (opts: { json?: boolean }) => {
        if (opts.json) {
          printJson(ctx, { ok: true, models: CATALOG });
          return;
        }
        const rows = CATALOG.map((m) => [
          m.name,
          m.title,
          m.license,
          m.meta ? `${m.meta.folder} (${m.meta.shards} shard${m.meta.shards > 1 ? "s" : ""})` : "-",
          m.hfRepo,
        ]);
        const header = ["NAME", "TITLE", "LICENSE", "META FOLDER", "HUGGING FACE REPO"];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const r of [header, ...rows])
          printLine(
            ctx,
            r
              .map((c, i) => c.padEnd(widths[i]!))
              .join("  ")
              .trimEnd(),
          );
      }),
    );
};
