import { confirm } from "@inquirer/prompts";
import { InterruptedError } from "../core/errors.js";
import type { LicenseAcceptancePrompt } from "../pipeline/license-gate.js";
import type { CliContext } from "./context.js";
import { renderEvaluation } from "./license-render.js";
import { logLine } from "./output.js";

/** A terminal prompt for licenseGate(): shows the summary on stderr, then asks to accept (default: no). */
export function licensePrompt(ctx: CliContext): (p: LicenseAcceptancePrompt) => Promise<boolean> {
  return async ({ evaluation, family }) => {
    for (const line of renderEvaluation(evaluation, family)) logLine(ctx, line);
    logLine(ctx, `Full terms: llamagate license show ${evaluation.model}; Acceptable Use Policy: ${family.aupUrl}`);
    try {
      return await confirm(
        { message: `Do you accept the ${family.name} on behalf of your organisation?`, default: false },
        { input: ctx.stdin, output: ctx.stderr, signal: ctx.signal },
      );
    } catch (e) {
      // Ctrl-C inside the prompt (ExitPromptError) or an aborted signal (AbortPromptError).
      if (e instanceof Error && (e.name === "ExitPromptError" || e.name === "AbortPromptError")) throw new InterruptedError("License prompt cancelled.");
      throw e;
    }
  };
}
