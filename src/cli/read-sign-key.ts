import type { CliContext } from "./context.js";
import { readKeyFile } from "./read-key-file.js";
import { loadEcKey } from "../index.js";

/**
 * `--sign-key FILE` of download and setup: the private key, read and checked before the first request, so a bad
 * key is reported before hours of downloading rather than after.
 */
export async function readSignKey(
  ctx: CliContext,
  file: string | undefined,
): Promise<{ privateKeyPem: Buffer } | undefined> {
  if (file === undefined) return undefined;
  const pem = await readKeyFile(
    ctx,
    file,
    "--sign-key",
    "Check the --sign-key path (an ECDSA P-256, P-384 or P-521 private key in PEM form).",
  );
  loadEcKey(pem, "private", "The --sign-key file");
  return { privateKeyPem: pem };
}
