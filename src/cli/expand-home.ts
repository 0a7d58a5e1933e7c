import { homedir } from "node:os";
import { join } from "node:path";
import type { CliContext } from "./context.js";

/**
 * `~` and `~/x` as the shell would expand them: the shell does not expand `--dir=~/x` (a `~` after `=`), so the
 * CLI does, for every path flag, instead of creating a folder named `~`.
 */
export function expandHome(ctx: CliContext, path: string): string;
export function expandHome(ctx: CliContext, path: string | undefined): string | undefined;
export function expandHome(ctx: CliContext, path: string | undefined): string | undefined {
  if (path === undefined || !/^~(\/|$)/.test(path)) return path;
  return join(ctx.env.HOME || homedir(), path.slice(1));
}
