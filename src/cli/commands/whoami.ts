import type { CommandRegistrar } from "../command.js";
import { networkEngineOptions, PROXY_HELP, type NetworkFlags } from "../network-options.js";
import { printJson, printLine } from "../output.js";
import { hfEnvironment, resolveCliToken } from "./download-hf-env.js";
import { GATED_READ_CHECKBOX, LlamagateError, UsageError, fetchWhoami } from "../../index.js";

/**
 * `llamagate whoami`: which Hugging Face account and token llamagate would use, and whether it may read gated repos.
 */
export const registerWhoamiCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("whoami")
    .description(
      "Show the Hugging Face account and token in use (role; for fine-grained tokens, whether gated repos may be read)",
    )
    .option("--token-stdin", "check a token read from stdin instead of the configured one")
    .option("--token <token>", "check this token (visible in shell history: prefer --token-stdin)")
    .option("--json", "print one JSON object on stdout")
    .option("--proxy <url>", PROXY_HELP)
    .action(
      run(async (opts: { token?: string; tokenStdin?: boolean; json?: boolean } & NetworkFlags) => {
        const hf = hfEnvironment(ctx);
        if (hf.offline) {
          throw new UsageError("HF_HUB_OFFLINE is set, and `llamagate whoami` needs to ask the Hub.", {
            code: "HF_OFFLINE",
            hint: "Unset HF_HUB_OFFLINE (and TRANSFORMERS_OFFLINE) for this command.",
          });
        }
        const t = await resolveCliToken(ctx, hf, opts);
        if (!t) {
          throw new LlamagateError("HF_NOT_LOGGED_IN", "access", "No Hugging Face token is configured.", {
            hint: `Run \`llamagate login\` or set HF_TOKEN (tokens: ${hf.endpoint}/settings/tokens).`,
          });
        }
        const who = await fetchWhoami({
          dispatcher: networkEngineOptions(ctx, opts).dispatcher,
          endpoint: hf.endpoint,
          token: t.token,
          tokenSource: t.source,
          signal: ctx.signal,
        });
        // Classic read/write tokens read every gated repo the account was granted; fine-grained ones need the checkbox.
        const gated = who.role === "fineGrained" ? (who.canReadGatedRepos ?? false) : true;
        if (opts.json) {
          printJson(ctx, {
            ok: true,
            user: who.name,
            fullname: who.fullname ?? null,
            type: who.type,
            orgs: who.orgs,
            token: { name: who.tokenName ?? null, role: who.role ?? null, source: t.source, canReadGatedRepos: gated },
            endpoint: hf.endpoint,
          });
          return;
        }
        printLine(ctx, `user: ${who.name}${who.fullname ? ` (${who.fullname})` : ""}`);
        if (who.orgs.length) printLine(ctx, `orgs: ${who.orgs.join(", ")}`);
        printLine(ctx, `token: ${who.tokenName ?? "(unnamed)"}, role ${who.role ?? "unknown"}, from ${t.source}`);
        printLine(
          ctx,
          who.role === "fineGrained"
            ? gated
              ? "gated repos: readable (fine-grained token with gated-repo read access)"
              : `gated repos: NOT readable: tick "${GATED_READ_CHECKBOX}" for this token at ${hf.endpoint}/settings/tokens`
            : "gated repos: readable once the repo authors grant your account access",
        );
      }),
    );
};
