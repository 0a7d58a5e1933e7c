import type { CommandRegistrar } from "../command.js";
import { networkEngineOptions, PROXY_HELP, type NetworkFlags } from "../network-options.js";
import { printJson, printLine } from "../output.js";
import { storeHfLogin } from "../store-hf-login.js";
import { hfEnvironment, readTokenFromStdin } from "./download-hf-env.js";
import { UsageError } from "../../index.js";

/**
 * `llamagate login [--token-stdin]`: check a Hugging Face token with whoami-v2, then keep it in the keychain (or a
 * 0600 file).
 */
export const registerLoginCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("login")
    .description(
      "Store a Hugging Face access token (checked with the Hub first) in the system keychain, or a 0600 file where there is none",
    )
    .option("--token-stdin", "read the token from stdin instead of prompting")
    .option("--json", "print one JSON object on stdout")
    .option("--proxy <url>", PROXY_HELP)
    .action(
      run(async (opts: { tokenStdin?: boolean; json?: boolean } & NetworkFlags) => {
        const hf = hfEnvironment(ctx);
        if (hf.offline) {
          throw new UsageError("HF_HUB_OFFLINE is set, and `llamagate login` needs to ask the Hub.", {
            code: "HF_OFFLINE",
            hint: "Unset HF_HUB_OFFLINE (and TRANSFORMERS_OFFLINE) for this command.",
          });
        }
        let raw: string;
        if (opts.tokenStdin) raw = await readTokenFromStdin(ctx);
        else if (ctx.stdin.isTTY && ctx.stderr.isTTY) {
          const { password } = await import("@inquirer/prompts");
          raw = await password(
            { message: `Hugging Face token (from ${hf.endpoint}/settings/tokens):`, mask: false },
            { input: ctx.stdin, output: ctx.stderr, signal: ctx.signal },
          );
        } else {
          throw new UsageError("No terminal to ask for the token.", {
            hint: 'Pipe it with --token-stdin, e.g. `printf %s "$HF_TOKEN" | llamagate login --token-stdin`.',
          });
        }
        const { who, stored } = await storeHfLogin(
          ctx,
          hf,
          raw,
          opts.tokenStdin ? "--token-stdin" : "prompt",
          undefined,
          networkEngineOptions(ctx, opts).dispatcher,
        );
        if (opts.json) {
          printJson(ctx, {
            ok: true,
            user: who.name,
            role: who.role ?? null,
            canReadGatedRepos: who.canReadGatedRepos ?? null,
            store: { kind: stored.kind, location: stored.location },
            fallback: Boolean(stored.fallbackReason),
          });
          return;
        }
        printLine(
          ctx,
          `Logged in to ${hf.endpoint} as ${who.name}${who.role ? ` (token role: ${who.role})` : ""}; token stored in ${stored.location}.`,
        );
      }),
    );
};
