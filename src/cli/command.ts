import type { Command } from "commander";
import type { CliContext } from "./context.js";

/** What a command's action returns: its exit code (undefined = 0). Errors are thrown, not returned. */
export type CommandResult = number | void;

/** Each file in src/cli/commands exports one of these; src/cli/commands/index.ts lists them. */
export type CommandRegistrar = (program: Command, ctx: CliContext, run: RunAction) => void;

/**
 * Wraps a command's async action so main() learns its exit code. Use as
 * `.action(run(async (args, opts) => { ...; return 0; }))`.
 */
export type RunAction = <A extends unknown[]>(fn: (...args: A) => Promise<CommandResult>) => (...args: A) => Promise<void>;
