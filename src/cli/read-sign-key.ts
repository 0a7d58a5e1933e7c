import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import { loadEcKey } from "../provenance/oms/load-signing-key.js";
import type { CliContext } from "./context.js";
import { expandHome } from "./expand-home.js";

/**
 * `--sign-key FILE` of download and setup: the private key, read and checked before the first request, so a bad
 * key is reported before hours of downloading rather than after.
 */
export async function readSignKey(
  ctx: CliContext,
  file: string | undefined,
): Promise<{ privateKeyPem: Buffer } | undefined> {
  if (file === undefined) return undefined;
  const pem = await readFile(resolve(expandHome(ctx, file))).catch(() => {
    throw new UsageError(`Cannot read --sign-key ${file}.`, {
      code: "KEY_FILE_UNREADABLE",
      hint: "Check the --sign-key path (an ECDSA P-256, P-384 or P-521 private key in PEM form).",
    });
  });
  loadEcKey(pem, "private", "The --sign-key file");
  return { privateKeyPem: pem };
}
