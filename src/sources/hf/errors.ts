/**
 * Hugging Face Hub errors. Each one says what happened in one line and, in `hint`, what to do.
 * Categories map to exit codes in src/core/exit-codes.ts (access 4, not-found 5, usage 2...).
 */
import { LlamagateError, type LlamagateErrorOptions } from "../../core/errors.js";

/** Where the token in use came from ("HF_TOKEN", "llamagate keychain"...; see src/credentials); named in hints. */
export type TokenSource = string;

/** Checkbox a fine-grained token needs to read gated repos (huggingface_hub#2844). */
export const GATED_READ_CHECKBOX = "Read access to contents of all public gated repos you can access";

/** The repo id is not `org/name` (or a plain `name`) made of allowed characters. */
export class InvalidRepoIdError extends LlamagateError {
  constructor(repoId: string) {
    super("HF_INVALID_REPO_ID", "usage", `"${repoId}" is not a valid Hugging Face repo id.`, {
      hint: "Use the form org/name, e.g. meta-llama/Llama-2-7b-chat-hf (letters, digits, '-', '_', '.'; no '--' or '..').",
      details: { repoId },
    });
  }
}

/** The revision given with --revision cannot be used in a URL path safely (empty, control chars, "..") */
export class InvalidRevisionError extends LlamagateError {
  constructor(revision: string) {
    super("HF_INVALID_REVISION", "usage", `"${revision}" is not a valid revision.`, {
      hint: "Pass a branch, tag or 40-character commit sha with --revision.",
    });
  }
}

/** A gated repo refused an anonymous request (401 GatedRepo). */
export class GatedRepoLoginRequiredError extends LlamagateError {
  constructor(repoId: string, repoUrl: string, tokensUrl: string) {
    super("HF_GATED_LOGIN_REQUIRED", "access", `${repoId} is a gated repo and no Hugging Face token was sent.`, {
      hint: `Create a read token at ${tokensUrl}, run \`llamagate login\` (or set HF_TOKEN), and request access at ${repoUrl} if you have not yet.`,
      details: { repoId, repoUrl },
    });
  }
}

/** Logged in, but the repo authors have not approved (or have rejected) this account (403 GatedRepo). */
export class GatedRepoNotApprovedError extends LlamagateError {
  constructor(repoId: string, repoUrl: string, user: string | undefined, rejected: boolean) {
    const who = user ? `the account ${user}` : "your account";
    super(
      rejected ? "HF_GATED_REJECTED" : "HF_GATED_NOT_APPROVED",
      "access",
      rejected
        ? `The authors of ${repoId} rejected the access request of ${who}.`
        : `${repoId} is a gated repo and ${who} has not been granted access.`,
      {
        hint: rejected
          ? `A rejected account cannot request again; contact the repo authors (${repoUrl}) or use another account.`
          : `Open ${repoUrl} in a browser, accept the license and request access (it cannot be done from the command line); approval by the authors is manual and can take hours, then run this again.`,
        details: { repoId, repoUrl },
      },
    );
  }
}

/** The access request exists but is still awaiting review (403 GatedRepo, "awaiting a review"). */
export class GatedRepoPendingError extends LlamagateError {
  constructor(repoId: string, repoUrl: string) {
    super(
      "HF_GATED_PENDING",
      "access",
      `Your request to access ${repoId} is still awaiting review by the repo authors.`,
      {
        hint: `Approval is manual; you get an email when it is decided (status on ${repoUrl}). Run this again once approved.`,
        details: { repoId, repoUrl },
      },
    );
  }
}

/** A fine-grained token without the gated-repo read permission (403 even when approved). */
export class TokenLacksGatedPermissionError extends LlamagateError {
  constructor(repoId: string, tokensUrl: string) {
    super(
      "HF_TOKEN_NO_GATED_PERMISSION",
      "access",
      `Your fine-grained token may not read gated repos, so ${repoId} is refused.`,
      {
        hint: `Edit the token at ${tokensUrl} and tick "${GATED_READ_CHECKBOX}" (or create a "read" token), then log in again; access to the repo itself must also be granted.`,
        details: { repoId, missingPermission: GATED_READ_CHECKBOX },
      },
    );
  }
}

/** The Hub rejected the token itself (401 "Invalid credentials"). */
export class InvalidTokenError extends LlamagateError {
  constructor(source: TokenSource | undefined, tokensUrl: string) {
    super(
      "HF_INVALID_TOKEN",
      "access",
      `The Hugging Face token${source ? ` from ${source}` : ""} was rejected as invalid.`,
      {
        hint:
          source === "HF_TOKEN" || source === "HUGGING_FACE_HUB_TOKEN"
            ? `Fix or unset ${source} (it takes precedence over \`llamagate login\`); tokens are at ${tokensUrl}.`
            : `Check the token at ${tokensUrl} (it may be revoked or expired) and run \`llamagate login\` again.`,
        details: source ? { tokenSource: source } : undefined,
      },
    );
  }
}

/** The repo does not exist, or it is private and this token cannot see it. */
export class RepoNotFoundError extends LlamagateError {
  constructor(repoId: string, authenticated: boolean) {
    super("HF_REPO_NOT_FOUND", "not-found", `Repository ${repoId} was not found on the Hub.`, {
      hint: authenticated
        ? "Check the spelling; if the repo is private, your account needs access to it."
        : "Check the spelling; if the repo is private, log in first with `llamagate login` (or set HF_TOKEN).",
      details: { repoId },
    });
  }
}

/** The branch, tag or commit does not exist in the repo. */
export class RevisionNotFoundError extends LlamagateError {
  constructor(repoId: string, revision: string) {
    super("HF_REVISION_NOT_FOUND", "not-found", `Revision "${revision}" was not found in ${repoId}.`, {
      hint: "Pass an existing branch, tag or full commit sha with --revision (default: main).",
      details: { repoId, revision },
    });
  }
}

/** A file of the listing is missing from the repo at the pinned commit. */
export class EntryNotFoundError extends LlamagateError {
  constructor(repoId: string, commit: string, path: string) {
    super("HF_ENTRY_NOT_FOUND", "not-found", `File ${path} was not found in ${repoId} at commit ${commit}.`, {
      hint: "Check --include patterns; the file may have been removed in this revision.",
      details: { repoId, commit, path },
    });
  }
}

/** --include/--exclude (or the defaults) left nothing to download. */
export class NoFilesMatchedError extends LlamagateError {
  constructor(repoId: string, total: number) {
    super(
      "HF_NO_FILES_MATCHED",
      "usage",
      `No file of ${repoId} (${total} in the repo) matches the --include/--exclude patterns.`,
      {
        hint: "Patterns are shell globs matched against the whole path, e.g. --include '*.safetensors' --include 'original/*'.",
      },
    );
  }
}

/** HF_HUB_OFFLINE=1 and the cache lacks what the run needs. */
export class OfflineCacheMissError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("HF_OFFLINE_CACHE_MISS", "not-found", message, {
      hint: "Unset HF_HUB_OFFLINE to download it, or pass the --revision (or commit) that is in the cache.",
      ...options,
    });
  }
}

/** The server answered something that cannot be a Hub response (HTML from a proxy, bad JSON, bad fields). */
export class HubProtocolError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("HF_BAD_RESPONSE", "network", message, {
      hint: "Check HF_ENDPOINT and any proxy between you and the Hub.",
      ...options,
    });
  }
}

/** A file path in the tree listing would escape the destination or is not a plain relative path. */
export class UnsafeRepoPathError extends LlamagateError {
  constructor(path: string) {
    super(
      "HF_UNSAFE_PATH",
      "integrity",
      `The Hub listing contains an unsafe file path ${JSON.stringify(path)}; nothing was written.`,
      {
        hint: "The server (or HF_ENDPOINT mirror) sent a path that escapes the destination; do not trust it.",
        details: { path },
      },
    );
  }
}

/** 429 after all retries, or another HTTP failure (5xx) after all retries. */
export class HubHttpError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("HF_HTTP_ERROR", "network", message, options);
  }
}

/** Still rate limited after the allowed retries. */
export class RateLimitedError extends LlamagateError {
  constructor(what: string, waitSeconds: number | undefined) {
    super("HF_RATE_LIMITED", "network", `The Hub rate limit was hit for ${what} and retries were used up.`, {
      hint:
        (waitSeconds !== undefined
          ? `Wait about ${waitSeconds} s and run again; `
          : "Wait a few minutes and run again; ") + "sending a token (llamagate login or HF_TOKEN) raises the limit.",
    });
  }
}

/** A 403 that is not about gating (token policy of an org, disabled repo, read-only scope...). */
export class HubAccessDeniedError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("HF_ACCESS_DENIED", "access", message, options);
  }
}

/** The file listing and the file's own metadata headers (X-Linked-Etag, X-Linked-Size, X-Repo-Commit) disagree. */
export class HubListingMismatchError extends LlamagateError {
  constructor(repoId: string, path: string, details: Record<string, unknown>) {
    super(
      "HF_LISTING_MISMATCH",
      "integrity",
      `The Hub's listing of ${repoId} and the metadata of ${path} disagree; nothing was downloaded.`,
      {
        hint: "A mirror or proxy (HF_ENDPOINT) may serve stale data; try again later or without it.",
        details: { repoId, path, ...details },
      },
    );
  }
}
