import type { Command } from "commander";
import type { CliContext } from "./context.js";

/** What a command's action returns: its exit code (undefined = 0). Errors are thrown, not returned. */
export type CommandResult = number | void;

/** Each file in src/cli/commands exports one of these; src/cli/commands/index.ts lists them. */
export type CommandRegistrar = (program: Command, ctx: CliContext, run: RunAction) => void;

/** One line of the command registry: the command's implementation is imported only when it runs. */
export interface LazyCommand {
  /** The command word (`llamagate <name>`). */
  name: string;
  /** The line the top-level `--help` shows for it. */
  summary: string;
  /** Import the command's file and return its registrar. */
  load: () => Promise<CommandRegistrar>;
}

/**
 * Wraps a command's async action so main() learns its exit code. Use as
 * `.action(run(async (args, opts) => { ...; return 0; }))`.
 */
export type RunAction = <A extends unknown[]>(
  fn: (...args: A) => Promise<CommandResult>,
) => (...args: A) => Promise<void>;
