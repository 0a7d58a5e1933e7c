import { password } from "@inquirer/prompts";
import { UsageError } from "../../core/errors.js";
import { checkTokenShape } from "../../credentials/check-token-shape.js";
import { storeToken } from "../../credentials/store-token.js";
import { fetchWhoami } from "../../sources/hf/fetch-whoami.js";
import type { CommandRegistrar } from "../command.js";
import { networkEngineOptions, PROXY_HELP, type NetworkFlags } from "../network-options.js";
import { logLine, printJson, printLine } from "../output.js";
import { hfEnvironment, readTokenFromStdin } from "./download-hf-env.js";

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
          raw = await password(
            { message: `Hugging Face token (from ${hf.endpoint}/settings/tokens):`, mask: false },
            { input: ctx.stdin, output: ctx.stderr, signal: ctx.signal },
          );
        } else {
          throw new UsageError("No terminal to ask for the token.", {
            hint: 'Pipe it with --token-stdin, e.g. `printf %s "$HF_TOKEN" | llamagate login --token-stdin`.',
          });
        }
        const token = checkTokenShape(raw);
        const who = await fetchWhoami({
          dispatcher: networkEngineOptions(ctx, opts).dispatcher,
          endpoint: hf.endpoint,
          token,
          tokenSource: opts.tokenStdin ? "--token-stdin" : "prompt",
          signal: ctx.signal,
        });
        const stored = await storeToken({
          token,
          keychain: hf.keychain,
          file: hf.file,
          mode: hf.storeMode,
          signal: ctx.signal,
        });
        const shadowedBy = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"].find((v) => ctx.env[v]?.trim());
        if (stored.fallbackReason) {
          logLine(
            ctx,
            `notice: no usable system keychain (${stored.fallbackReason.replace(/\.$/, "")}); the token is stored in ${stored.location}, readable only by you.`,
          );
        }
        if (shadowedBy) logLine(ctx, `warning: ${shadowedBy} is set and takes precedence over the stored token.`);
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
        if (who.role === "fineGrained" && who.canReadGatedRepos === false) {
          logLine(
            ctx,
            'warning: this fine-grained token cannot read gated repos (Llama models are gated): tick "Read access to contents of all public gated repos you can access" in its settings.',
          );
        }
      }),
    );
};
