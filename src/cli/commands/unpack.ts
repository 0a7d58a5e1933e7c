import { resolve } from "node:path";
import { formatBytes } from "../../core/format-bytes.js";
import { unpackBundle } from "../../formats/tar/unpack-bundle.js";
import type { CommandRegistrar } from "../command.js";
import { logLine, printJson, printLine } from "../output.js";

/** `llamagate unpack bundle.tar --dir D`: verify every file while extracting; nothing half-written on failure. */
export const registerUnpackCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("unpack")
    .description(
      "Unpack a bundle made by `llamagate pack`, verifying every file's sha256 while extracting (unsafe or corrupted bundles are refused)",
    )
    .argument("<bundle>", "the .tar bundle")
    .requiredOption("--dir <dir>", "destination folder")
    .option("--json", "print one JSON object on stdout at the end")
    .action(
      run(async (bundle: string, opts: { dir: string; json?: boolean }) => {
        const t0 = performance.now();
        const r = await unpackBundle({ bundle: resolve(bundle), dir: resolve(opts.dir), signal: ctx.signal });
        const seconds = (performance.now() - t0) / 1000;
        if (opts.json) {
          printJson(ctx, {
            ok: true,
            dir: r.dir,
            model: r.manifest.model,
            files: r.files,
            bytes: r.bytes,
            license: r.manifest.license,
            seconds,
          });
          return 0;
        }
        const lic = r.manifest.license as {
          licenseName?: string;
          time?: string;
          verdict?: string;
          mau?: number;
        } | null;
        logLine(
          ctx,
          `Unpacked and verified ${r.files.length} file(s) (${formatBytes(r.bytes)}) in ${seconds.toFixed(1)} s.`,
        );
        if (lic)
          logLine(
            ctx,
            `License record in the bundle: ${lic.licenseName ?? "?"} accepted ${lic.time ?? "?"} (verdict ${lic.verdict ?? "?"}, ${lic.mau ?? "?"} MAU).`,
          );
        printLine(ctx, r.dir);
        return 0;
      }),
    );
};
