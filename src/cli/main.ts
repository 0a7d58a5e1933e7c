import { Command, CommanderError } from "commander";
import { processContext, type CliContext } from "./context.js";
import type { RunAction } from "./command.js";
import { escapeControl } from "./escape-control.js";
import { EXIT_CODES, INTERRUPTED_HINT, InterruptedError, isLlamagateError } from "../index.js";
import { logLine, printJson } from "./output.js";
import { renderError } from "./render-error.js";
import { COMMANDS } from "./commands/index.js";
import { VERSION } from "./version.js";

/** Entry point used by bin/llamagate.js; returns the process exit code. */
export async function main(argv: string[], ctx?: CliContext): Promise<number> {
  const controller = new AbortController();
  const context = ctx ?? processContext(controller.signal);
  const detach = ctx
    ? () => {}
    : attachSignals(
        controller,
        argv.find((a) => !a.startsWith("-")),
      );
  const wantsJson = argv.includes("--json");
  let exitCode: number = EXIT_CODES.ok;

  const run: RunAction =
    (fn) =>
    async (...args) => {
      const code = await fn(...args);
      exitCode = code ?? EXIT_CODES.ok;
    };

  const program = new Command("llamagate")
    .description(
      "Get Llama models onto this machine correctly: license check, verified downloads, conversion, smoke test.",
    )
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      // Usage errors quote what the user typed: escape control characters as every other line is.
      writeOut: (s) => context.stdout.write(escapeControl(s, { keepNewlines: true })),
      writeErr: (s) => context.stderr.write(escapeControl(s, { keepNewlines: true })),
      // Commander prints its own usage errors; --json runs get the JSON object instead.
      outputError: (s, write) => (wantsJson ? undefined : write(s)),
    });

  try {
    await registerCommands(program, argv, context, run);
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return commanderExit(e, context, wantsJson, argv);
    // An abort surfaces as whatever the interrupted operation threw; report it as an interruption.
    const aborted = (ctx?.signal ?? controller.signal).aborted;
    const command = argv.find((a) => !a.startsWith("-"));
    const r = renderError(stopHint(aborted && !isLlamagateError(e) ? new InterruptedError() : e, command));
    if (wantsJson) printJson(context, r.json);
    logLine(context, r.line);
    return r.exitCode;
  } finally {
    detach();
  }
}

/**
 * Register the command being run with its full flags (importing only its file), and every other command as a
 * name and summary for the top-level help. `help <command>` loads that command.
 */
async function registerCommands(program: Command, argv: string[], ctx: CliContext, run: RunAction): Promise<void> {
  const words = argv.filter((a) => !a.startsWith("-"));
  const target = words[0] === "help" ? words[1] : words[0];
  for (const c of COMMANDS) {
    if (c.name === target) {
      (await c.load())(program, ctx, run);
      program.commands.find((cmd) => cmd.name() === c.name)?.summary(c.summary);
    } else {
      program.command(c.name).summary(c.summary).helpOption(false).allowUnknownOption().allowExcessArguments();
    }
  }
}

function commanderExit(e: CommanderError, ctx: CliContext, wantsJson: boolean, argv: string[]): number {
  // --help and --version end through exitOverride too, with exit code 0.
  if (e.exitCode === 0) return EXIT_CODES.ok;
  const command = argv.find((a) => !a.startsWith("-") && COMMANDS.some((c) => c.name === a));
  const hint = `Run llamagate ${command ? `${command} ` : ""}--help for usage.`;
  if (wantsJson)
    printJson(ctx, {
      ok: false,
      error: { code: "USAGE", category: "usage", message: e.message.replace(/^error: /, ""), hint },
    });
  return EXIT_CODES.usage;
}

/** What stopping means, per command: only the commands that download keep partial files to resume from. */
function stopNote(command: string | undefined): string {
  if (["download", "setup", "demo", "provision", "pull"].includes(command ?? ""))
    return "partial downloads are kept; run again to resume";
  if (command === "convert") return "the unfinished output is removed; the input is untouched";
  if (command === "push") return "uploaded blobs are kept; run again to resume";
  return "nothing is changed";
}

/**
 * An interruption's hint says what this command keeps: "continue where it stopped" only where something is kept to
 * continue from (downloads, pushes); elsewhere (convert, verify, a prompt) the rerun starts over. Hints given where
 * the interruption was raised (the setup wizard, the license prompt) are kept as they are.
 */
function stopHint(e: unknown, command: string | undefined): unknown {
  if (!(e instanceof InterruptedError) || e.hint !== INTERRUPTED_HINT) return e;
  const hint = ["download", "setup", "demo", "provision", "pull"].includes(command ?? "")
    ? "Run the same command again: partial downloads are kept and continue where they stopped."
    : command === "push"
      ? "Run the same command again: the blobs already uploaded are kept and the upload continues."
      : command === "convert"
        ? "Nothing was written (the unfinished output is removed); run the same command again to start over."
        : "Run the same command again: it starts over.";
  return new InterruptedError(e.message, { hint, cause: e, ...(e.details ? { details: e.details } : {}) });
}

/** First Ctrl-C / SIGTERM aborts cleanly (partial files are kept for resume); a second one exits at once. */
function attachSignals(controller: AbortController, command: string | undefined): () => void {
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT_CODES.interrupted);
    // Abort first: progress displays listen to the signal and clear their bars before this line is printed.
    controller.abort();
    // On a terminal, "\r\x1b[K" also wipes the "^C" the terminal echoed where the bars were.
    process.stderr.write(
      `${process.stderr.isTTY ? "\r\x1b[K" : ""}llamagate: ${sig} received, stopping (${stopNote(command)})...\n`,
    );
  };
  // `llamagate models | head` closes the pipe early: that is not an error.
  const onPipeError = (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(EXIT_CODES.ok);
    throw e;
  };
  process.stdout.on("error", onPipeError);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}
