import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { UsageError } from "../core/errors.js";
import type { OrgProfile } from "./org-profile.js";
import { validateProfile } from "./validate-profile.js";

export interface ReadProfileParams {
  /** Path of the JSON profile file. */
  path: string;
  signal?: AbortSignal;
}

/** Read and validate an organisation profile file; missing, unreadable or malformed files are UsageErrors. */
export async function readProfile({ path, signal }: ReadProfileParams): Promise<OrgProfile> {
  let text: string;
  try {
    text = await readFile(path, { encoding: "utf8", signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "unknown";
    throw new UsageError(`Cannot read profile file ${path} (${code === "ENOENT" ? "no such file" : code}).`, {
      code: "PROFILE_UNREADABLE",
      hint: "Pass --profile with the path of an existing JSON file (see docs/license.md).",
      cause: e,
      details: { path, errno: code },
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`Profile ${path} is not valid JSON: ${(e as Error).message}.`, {
      code: "INVALID_PROFILE",
      hint: "Fix the JSON syntax (see docs/profile.schema.json).",
      details: { path },
    });
  }
  return validateProfile({ value, source: basename(path) });
}
