import { stat } from "node:fs/promises";
import type { CommandRegistrar } from "../command.js";
import { logLine, printJson, printLine } from "../output.js";
import { hfEnvironment } from "./download-hf-env.js";
import { removeStoredToken } from "../../index.js";

/** `llamagate logout`: forget the token `llamagate login` stored (keychain and file). */
export const registerLogoutCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("logout")
    .description(
      "Remove the Hugging Face token llamagate stored (HF_TOKEN and the hf CLI's own token file are not touched)",
    )
    .option("--json", "print one JSON object on stdout")
    .action(
      run(async (opts: { json?: boolean }) => {
        const hf = hfEnvironment(ctx);
        const removed = await removeStoredToken({
          keychain: hf.keychain,
          file: hf.file,
          mode: hf.storeMode,
          signal: ctx.signal,
        });
        const hfFile = await stat(hf.hfTokenPath).then(
          () => hf.hfTokenPath,
          () => undefined,
        );
        const envSet = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"].filter((v) => ctx.env[v]?.trim());
        if (opts.json) {
          printJson(ctx, { ok: true, removed, stillActive: [...envSet, ...(hfFile ? [hfFile] : [])] });
          return;
        }
        printLine(
          ctx,
          removed.length
            ? `Logged out: removed the token from ${removed.join(" and ")}.`
            : "No token was stored by llamagate.",
        );
        for (const v of envSet) logLine(ctx, `note: ${v} is set; unset it to stop using that token.`);
        if (hfFile)
          logLine(ctx, `note: the hf CLI's token file ${hfFile} is still used; remove it with \`hf auth logout\`.`);
      }),
    );
};
