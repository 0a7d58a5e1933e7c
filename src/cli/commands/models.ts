import type { CommandRegistrar } from "../command.js";
import { printJson, printLine } from "../output.js";
import { CATALOG, formatBytes } from "../../index.js";

/**
 * `llamagate models [--json]`: list the catalog, fitted to the terminal like `ollama list`: the columns that fit,
 * in the order NAME, SIZE (the download: Meta's bf16 weights), LICENSE, HUGGING FACE REPO, TITLE, META FOLDER; the
 * others are left out (a pipe gets every column). Names are never cut: they are what the other commands take.
 */
export const registerModelsCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("models")
    .description(
      "List the models llamagate knows (name, download size, license family, Hugging Face repo, Meta folder)",
    )
    .option("--json", "print one JSON object on stdout")
    .action(
      run(async (opts: { json?: boolean }) => {
        if (opts.json) {
          printJson(ctx, { ok: true, models: CATALOG });
          return;
        }
        const columns: { header: string; cell: (m: (typeof CATALOG)[number]) => string; right?: boolean }[] = [
          { header: "NAME", cell: (m) => m.name },
          { header: "SIZE", cell: (m) => (m.meta ? `~${formatBytes(m.meta.weightBytes)}` : "-"), right: true },
          { header: "LICENSE", cell: (m) => m.license },
          { header: "HUGGING FACE REPO", cell: (m) => m.hfRepo || "-" },
          { header: "TITLE", cell: (m) => m.title },
          {
            header: "META FOLDER",
            cell: (m) => (m.meta ? `${m.meta.folder} (${m.meta.shards} shard${m.meta.shards > 1 ? "s" : ""})` : "-"),
          },
        ];
        const table = columns.map((c) => {
          const cells = CATALOG.map(c.cell);
          return { ...c, cells, width: Math.max(c.header.length, ...cells.map((s) => s.length)) };
        });
        // A terminal's last column is never written (no wrap, whatever the terminal does there).
        const room = ctx.stdout.isTTY && (ctx.stdout.columns ?? 0) > 0 ? ctx.stdout.columns! - 1 : Infinity;
        const shown: typeof table = [];
        let used = 0;
        for (const c of table) {
          const need = (shown.length ? 2 : 0) + c.width;
          if (shown.length === 0 || used + need <= room) {
            shown.push(c);
            used += need;
          }
        }
        // Shown in the order above, whatever fitted.
        const line = (cell: (c: (typeof table)[number]) => string) =>
          shown
            .map((c) => (c.right ? cell(c).padStart(c.width) : cell(c).padEnd(c.width)))
            .join("  ")
            .trimEnd();
        printLine(
          ctx,
          line((c) => c.header),
        );
        CATALOG.forEach((_, i) =>
          printLine(
            ctx,
            line((c) => c.cells[i]!),
          ),
        );
      }),
    );
};
