import type { CliContext } from "./context.js";
import { readKeyFile } from "./read-key-file.js";
import { UsageError, type SignatureTrust } from "../index.js";

/** The flags that say whom a model signature must come from (pull, unpack). */
export interface SignatureTrustFlags {
  publicKey?: string;
  certificateChain?: string[];
}

/**
 * `--public-key PUB` or `--certificate-chain CA...` read into a SignatureTrust; undefined when neither is given.
 * Both at once is a usage error.
 */
export async function signatureTrustFromFlags(
  ctx: CliContext,
  opts: SignatureTrustFlags,
): Promise<SignatureTrust | undefined> {
  if (opts.publicKey && opts.certificateChain?.length)
    throw new UsageError("Give either --public-key or --certificate-chain, not both.", {
      code: "SIGNATURE_KEY_CONFLICT",
      hint: "Pass --public-key for a key-method signature, --certificate-chain for a certificate-method one.",
    });
  const read = (f: string, flag: string) => readKeyFile(ctx, f, flag);
  if (opts.publicKey) return { publicKeyPem: await read(opts.publicKey, "--public-key") };
  if (opts.certificateChain?.length)
    return {
      certificateChainPems: await Promise.all(opts.certificateChain.map((f) => read(f, "--certificate-chain"))),
    };
  return undefined;
}
