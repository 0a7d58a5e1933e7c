import { PassThrough } from "node:stream";
import type { CliContext } from "./context.js";
import { renderEvaluation } from "./license-render.js";
import { logLine } from "./output.js";
import { InterruptedError, type LicenseAcceptancePrompt } from "../index.js";

/**
 * A terminal prompt for licenseGate(): shows the summary on stderr (unless the caller already printed
 * it: `showSummary: false`), then asks to accept (default: no).
 */
export function licensePrompt(
  ctx: CliContext,
  { showSummary = true }: { showSummary?: boolean } = {},
): (p: LicenseAcceptancePrompt) => Promise<boolean> {
  return async ({ evaluation, family }) => {
    if (showSummary) for (const line of renderEvaluation(evaluation, family)) logLine(ctx, line);
    logLine(ctx, `Full terms: llamagate license show ${evaluation.model}; Acceptable Use Policy: ${family.aupUrl}`);
    // Inquirer ends its output stream when the prompt closes; give it a proxy so stderr stays open.
    const output = Object.assign(new PassThrough(), { isTTY: ctx.stderr.isTTY, columns: ctx.stderr.columns });
    output.pipe(ctx.stderr, { end: false });
    try {
      // The prompt library loads only when a prompt is shown (start-up of every command stays light).
      const { confirm } = await import("@inquirer/prompts");
      return await confirm(
        { message: `Do you accept the ${family.name} on behalf of your organisation?`, default: false },
        { input: ctx.stdin, output, signal: ctx.signal },
      );
    } catch (e) {
      // Ctrl-C inside the prompt (ExitPromptError) or an aborted signal (AbortPromptError).
      if (e instanceof Error && (e.name === "ExitPromptError" || e.name === "AbortPromptError"))
        throw new InterruptedError("License prompt cancelled.", {
          hint: "Nothing was downloaded: run the same command again to answer it.",
        });
      throw e;
    } finally {
      output.unpipe(ctx.stderr);
    }
  };
}
