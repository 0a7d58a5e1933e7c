import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { CliContext } from "./context.js";
import { expandHome } from "./expand-home.js";
import { UsageError } from "../index.js";

/** A key or certificate file a flag names (`~` expanded); one that cannot be read is KEY_FILE_UNREADABLE (exit 2). */
export async function readKeyFile(ctx: CliContext, file: string, flag: string, hint?: string): Promise<Buffer> {
  return readFile(resolve(expandHome(ctx, file))).catch(() => {
    throw new UsageError(`Cannot read ${flag} ${file}.`, {
      code: "KEY_FILE_UNREADABLE",
      hint: hint ?? `Check the ${flag} path.`,
    });
  });
}
