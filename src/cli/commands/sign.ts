import { resolve } from "node:path";
import type { CommandRegistrar } from "../command.js";
import { expandHome } from "../expand-home.js";
import { readKeyFile } from "../read-key-file.js";
import { logLine, printJson, printLine } from "../output.js";
import { UsageError, signModel } from "../../index.js";

interface SignOptions {
  privateKey: string;
  signingCertificate?: string;
  certificateChain?: string[];
  signature?: string;
  ignorePaths?: string[];
  json?: boolean;
}

/**
 * `llamagate sign <path> --private-key KEY.pem`: an OpenSSF model signature (OMS v1.0) over every file, in
 * `model.sig` inside the folder, readable by `model_signing verify` and `llamagate verify --signature`.
 */
export const registerSignCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("sign")
    .description(
      "Sign a model folder or file (OpenSSF model signing v1.0: sha256 of every file, ECDSA key or certificate)",
    )
    .argument("<path>", "model folder (or a single model file)")
    .requiredOption("--private-key <file>", "ECDSA P-256/384/521 private key (PEM)")
    .option("--signing-certificate <file>", "certificate method: the private key's certificate (PEM)")
    .option("--certificate-chain <files...>", "certificate method: intermediate certificates (PEM), leaf first")
    .option("--signature <file>", "where to write the signature (default: model.sig inside the folder)")
    .option("--ignore-paths <paths...>", "files or folders to leave out of the signature")
    .option("--json", "print one JSON object on stdout at the end")
    .action(
      run(async (pathArg: string, opts: SignOptions) => {
        if (opts.certificateChain?.length && !opts.signingCertificate)
          throw new UsageError("--certificate-chain goes with --signing-certificate.", {
            hint: "Pass the signing key's certificate with --signing-certificate, or drop --certificate-chain.",
          });
        const read = (f: string, flag: string) => readKeyFile(ctx, f, flag);
        const r = await signModel({
          path: resolve(expandHome(ctx, pathArg)),
          privateKeyPem: await read(opts.privateKey, "--private-key"),
          signingCertificatePem: opts.signingCertificate
            ? await read(opts.signingCertificate, "--signing-certificate")
            : undefined,
          certificateChainPems: await Promise.all(
            (opts.certificateChain ?? []).map((f) => read(f, "--certificate-chain")),
          ),
          signaturePath: opts.signature ? resolve(expandHome(ctx, opts.signature)) : undefined,
          ignorePaths: (opts.ignorePaths ?? []).map((p) => resolve(expandHome(ctx, p))),
          signal: ctx.signal,
        });
        if (opts.json) {
          const { hashed: _hashed, ...out } = r;
          printJson(ctx, { ok: true, ...out });
          return 0;
        }
        logLine(
          ctx,
          `Signed ${r.files.length} file(s) of ${r.subject.name} (${r.method} method, sha256 ${r.subject.sha256.slice(0, 16)}…).`,
        );
        printLine(ctx, r.signaturePath);
        return 0;
      }),
    );
};
