import { SignatureError } from "../provenance/errors.js";
import { readSignedResources } from "../provenance/oms/read-signed-resources.js";
import type { ModelFolderFile } from "../sources/oci/list-model-files.js";

/**
 * The signature must list exactly the files being pushed, with their sha256: otherwise every `pull
 * --require-signature` would refuse the artifact. Only the statement is read here (no key is needed to push);
 * the puller verifies the signature itself.
 */
export function checkSignatureCovers(
  signature: { path: string; bytes: Buffer },
  files: readonly ModelFolderFile[],
  hashes: ReadonlyMap<string, string>,
  fromReleaseRoot: readonly string[],
): void {
  const signed = new Map(readSignedResources(signature.bytes, signature.path).map((r) => [r.name, r.digest]));
  const problems: string[] = [];
  for (const f of files) {
    const d = signed.get(f.path);
    if (d === undefined) problems.push(`${f.path} (not signed)`);
    else if (d !== hashes.get(f.path)) problems.push(`${f.path} (changed since it was signed)`);
    signed.delete(f.path);
  }
  for (const name of signed.keys()) problems.push(`${name} (signed, not in the folder)`);
  if (problems.length === 0) return;
  const outside = fromReleaseRoot.filter((f) => problems.includes(`${f} (not signed)`));
  throw new SignatureError(
    "SIGNATURE_MISMATCH",
    `The signature ${signature.path} does not match the files to push: ${problems.slice(0, 10).join(", ")}${problems.length > 10 ? `, and ${problems.length - 10} more` : ""}.`,
    {
      hint: outside.length
        ? `The files taken along from the Meta release folder (${outside.join(", ")}) are outside what was signed: copy them into the model folder and sign it again, or push with --no-signature.`
        : "Sign the folder again (llamagate sign) after changing it, or push with --no-signature.",
    },
  );
}
