import { InvalidRepoIdError } from "./errors.js";

/** A validated model repo id. */
export interface RepoId {
  /** "org/name" (or "name" for legacy un-namespaced repos). */
  id: string;
  /** Cache folder name, e.g. "models--meta-llama--Llama-2-7b-hf". */
  cacheFolder: string;
}

// Same rules as huggingface_hub's validate_repo_id: word chars, '-', '.', one optional namespace,
// no "--" or "..", no trailing ".git", at most 96 chars per part.
const PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}$/;

/** Validate a user-supplied repo id (also guards every URL and cache path built from it). */
export function parseRepoId(input: string): RepoId {
  const parts = input.split("/");
  const ok =
    parts.length >= 1 &&
    parts.length <= 2 &&
    parts.every((p) => PART.test(p) && !p.endsWith(".") && !p.endsWith("-")) &&
    !input.includes("--") &&
    !input.includes("..") &&
    !input.endsWith(".git");
  if (!ok) throw new InvalidRepoIdError(input);
  return { id: input, cacheFolder: `models--${parts.join("--")}` };
}
