import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { FilesystemError } from "../core/errors.js";
import { LICENSE_FAMILIES } from "./families.js";
import type { LicenseFamily, LicenseFamilyId } from "./types.js";

export interface CheckLicenseFileParams {
  /** The LICENSE file that came with the weights. */
  path: string;
  /** The family the catalog assumes for the model. */
  family: LicenseFamilyId;
  /** License families to compare with; defaults to the built-in data. */
  families?: Readonly<Record<LicenseFamilyId, LicenseFamily>>;
  signal?: AbortSignal;
}

export interface LicenseFileCheck {
  /**
   * "matches": the file is a known text of the family. "differs": known texts exist and this is none
   * of them (a different license version than the catalog assumes). "unknown-reference": llamagate
   * has no known text for the family yet, so it cannot tell.
   */
  status: "matches" | "differs" | "unknown-reference";
  /** sha256 (hex) of the file's bytes. */
  sha256: string;
  family: LicenseFamilyId;
  /** The known hashes compared with. */
  knownSha256: string[];
}

/** Compare a downloaded LICENSE file with the family's known text(s), by sha256 of the raw bytes. */
export async function checkLicenseFile({
  path,
  family,
  families = LICENSE_FAMILIES,
  signal,
}: CheckLicenseFileParams): Promise<LicenseFileCheck> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path, { signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "unknown";
    throw new FilesystemError("LICENSE_FILE_UNREADABLE", `Could not read the license file ${path} (${code}).`, {
      hint: "The download should have fetched LICENSE next to the weights; run the download again.",
      cause: e,
      details: { path, errno: code },
    });
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const knownSha256 = [...(families[family]?.licenseTextSha256 ?? [])].map((h) => h.toLowerCase());
  const status = knownSha256.length === 0 ? "unknown-reference" : knownSha256.includes(sha256) ? "matches" : "differs";
  return { status, sha256, family, knownSha256 };
}
