import { homedir } from "node:os";
import { join } from "node:path";
import type { CommandRegistrar } from "../command.js";
import type { CliContext } from "../context.js";
import { licenseOptions } from "../license-options.js";
import { expandHome } from "../expand-home.js";
import { intFlag } from "../int-flag.js";
import { networkOptions } from "../network-options.js";
import { collect, runHfDownload, type HfDownloadOptions } from "./download-hf.js";
import { runMetaDownload, type MetaDownloadOptions } from "./download-meta.js";
import { UsageError } from "../../index.js";

type DownloadOptions = MetaDownloadOptions & HfDownloadOptions & { source?: string; dir?: string };

/**
 * `llamagate download <model...> --meta-url URL [--dir DIR]` (Meta signed URL, like download.sh) and
 * `llamagate download <org/repo> --source hf` (Hugging Face, into the standard cache). Both run the
 * license check before the first request.
 */
export const registerDownloadCommand: CommandRegistrar = (program, ctx, run) => {
  const cmd = program
    .command("download")
    .description(
      "Download models (Meta signed URL or Hugging Face), license-checked first, in parallel, resumable, verified",
    )
    .argument(
      "<model...>",
      "catalog names (llama-2-7b, 13B-chat, codellama-34b-python...; see `llamagate models`), or one org/repo with --source hf",
    )
    .option(
      "--source <source>",
      "meta (signed URL from Meta's email) or hf (Hugging Face Hub); default: hf for an org/repo argument without a Meta link, else meta",
    )
    .option(
      "--meta-url <url>",
      'Meta: signed URL from the email; "-" reads it from stdin (also: LLAMAGATE_META_URL, or a hidden prompt)',
    )
    .option(
      "--dir <dir>",
      "Meta: destination folder (default: the current folder; with --layout llama-stack: ~/.llama/checkpoints)",
    )
    .option(
      "--layout <layout>",
      "Meta: meta (Meta's folders, the default) or llama-stack (<dir>/<descriptor>, for Meta's llama tools)",
    )
    .option("--revision <rev>", "hf: branch, tag or commit (pinned to its commit for the run)", "main")
    .option("--include <glob>", "hf: only files matching (repeatable)", collect, [])
    .option("--exclude <glob>", "hf: leave out files matching (repeatable)", collect, [])
    .option("--local-dir <dir>", "hf: write plain files here instead of the Hugging Face cache")
    .option("--token-stdin", "hf: read the Hugging Face token from stdin")
    .option(
      "--token <token>",
      "hf: token (visible in shell history and ps: prefer --token-stdin, HF_TOKEN or `llamagate login`)",
    )
    .option(
      "--parts <n>",
      "connections per large file, taking pieces in file order (one Range request per piece; Meta links allow few requests: opt in)",
      intFlag("--parts", 1, 64),
      1,
    )
    .option(
      "--min-part-mb <n>",
      "with --parts: files under twice this many MiB are not split",
      intFlag("--min-part-mb", 1, 4096),
    )
    .option(
      "--concurrency <n>",
      "files downloaded at once (default: meta one per file, up to 8; hf 8)",
      intFlag("--concurrency", 1, 64),
    )
    .option(
      "--stall-timeout <seconds>",
      "retry a transfer that receives nothing for this long",
      intFlag("--stall-timeout", 1, 3600),
    )
    .option(
      "--lock-wait <seconds>",
      "wait this long for another llamagate run on the same folder to finish (default 180)",
      intFlag("--lock-wait", 0, 86_400),
    )
    .option(
      "--no-xet",
      "hf: no native Xet storage: every file over plain HTTP through the Hub's LFS bridge (ranged requests)",
    )
    .option(
      "--sign-key <file>",
      "sign what was downloaded and verified (OpenSSF model signature, model.sig in each model folder; hf: needs --local-dir) with this ECDSA private key (PEM)",
    )
    .option("--no-space-check", "Meta: skip the free-space preflight (for filesystems that misreport free space)")
    .option("--json", "print one JSON object on stdout at the end");
  networkOptions(cmd, { limitRate: true });
  licenseOptions(cmd).action(
    run(async (names: string[], opts: DownloadOptions) => {
      // An org/repo argument means the Hub, unless a Meta link (or a Meta-only flag) says otherwise: catalog
      // models resolve from their HF repo id too (meta-llama/Llama-3.1-8B-Instruct --meta-url ...).
      const metaGiven = opts.metaUrl !== undefined || Boolean(ctx.env.LLAMAGATE_META_URL) || opts.layout !== undefined;
      const orgRepo = names.length === 1 && names[0]!.includes("/") && !metaGiven;
      opts.source = (opts.source ?? (orgRepo ? "hf" : "meta")).toLowerCase();
      opts.dir = expandHome(ctx, opts.dir);
      opts.localDir = expandHome(ctx, opts.localDir);
      if (opts.source === "hf") return downloadFromHub(ctx, names, opts);
      if (opts.source !== "meta")
        throw new UsageError(`Unknown --source "${opts.source}".`, {
          hint: "Use --source meta (the default) or --source hf.",
        });
      for (const flag of ["localDir", "tokenStdin", "token"] as const) {
        if (opts[flag] !== undefined)
          throw new UsageError(`--${kebab(flag)} is for --source hf.`, {
            hint: "Add --source hf, or leave the flag out for a Meta download.",
          });
      }
      if (opts.layout !== undefined && opts.layout !== "meta" && opts.layout !== "llama-stack") {
        throw new UsageError(`Unknown --layout "${opts.layout}".`, {
          hint: "Use --layout meta (the default) or --layout llama-stack.",
        });
      }
      // llama-stack's model_local_dir: $LLAMA_STACK_CONFIG_DIR (default ~/.llama) + checkpoints/
      const stackDir = () =>
        join(ctx.env.LLAMA_STACK_CONFIG_DIR || join(ctx.env.HOME || homedir(), ".llama"), "checkpoints");
      return runMetaDownload(ctx, names, {
        ...opts,
        dir: opts.dir ?? (opts.layout === "llama-stack" ? stackDir() : "."),
      });
    }),
  );
};

/** `--source hf`: one repo; the pipeline gates a catalog repo's license before any request. */
async function downloadFromHub(ctx: CliContext, names: string[], opts: DownloadOptions): Promise<number> {
  if (names.length !== 1)
    throw new UsageError(`--source hf takes one repo, got ${names.length}.`, { hint: "Run one download per repo." });
  if (opts.metaUrl !== undefined || opts.dir !== undefined) {
    throw new UsageError(`--${opts.metaUrl !== undefined ? "meta-url" : "dir"} is for Meta downloads.`, {
      hint: "With --source hf use --local-dir DIR (or the default Hugging Face cache).",
    });
  }
  return runHfDownload(ctx, names[0]!, opts);
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
