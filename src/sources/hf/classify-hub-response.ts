import type { LlamagateError } from "../../core/errors.js";
import { redactText, redactUrl } from "../../core/redact.js";
import {
  EntryNotFoundError,
  GatedRepoLoginRequiredError,
  GatedRepoNotApprovedError,
  GatedRepoPendingError,
  HubAccessDeniedError,
  HubHttpError,
  InvalidTokenError,
  RepoNotFoundError,
  RevisionNotFoundError,
  TokenLacksGatedPermissionError,
  type TokenSource,
} from "./errors.js";
import { header, type HubResponse } from "./hub-request.js";
import { hubUrls } from "./hub-urls.js";
import type { WhoamiInfo } from "./fetch-whoami.js";

export interface ClassifyHubResponseParams {
  /** The failed (non-2xx, non-retryable) response. */
  response: Pick<HubResponse, "status" | "headers" | "body" | "url">;
  /** Repo the request was about. */
  repoId: string;
  /** Revision asked for (for RevisionNotFound). */
  revision?: string;
  /** Commit and path, when the request was for one file. */
  file?: { commit: string; path: string };
  /** Hub endpoint (for the repo and token-settings URLs in hints). */
  endpoint: string;
  /** The token sent, if any (so it can be redacted from server text). */
  token?: string;
  /** Where the token came from (named in "invalid token" hints). */
  tokenSource?: TokenSource;
  /** The token's identity, when known: tells "fine-grained token lacks gated permission" from "not approved". */
  who?: WhoamiInfo;
}

/**
 * Turn a Hub error response into the precise LlamagateError: gated (login / not approved / pending /
 * token lacks the gated-read checkbox), invalid token, repo / revision / file not found, other HTTP.
 * Follows huggingface_hub's hf_raise_for_status mapping (X-Error-Code, X-Error-Message).
 */
export function classifyHubResponse(p: ClassifyHubResponseParams): LlamagateError {
  const { status, headers } = p.response;
  const code = header(headers, "x-error-code");
  const serverMessage = errorMessage(p.response);
  const repoUrl = hubUrls.repoPage(p.endpoint, p.repoId);
  const tokensUrl = hubUrls.tokens(p.endpoint);
  const authenticated = Boolean(p.token);

  if (code === "GatedRepo") {
    if (status === 401 || !authenticated) return new GatedRepoLoginRequiredError(p.repoId, repoUrl, tokensUrl);
    const who = p.who;
    if (who?.role === "fineGrained" && who.canReadGatedRepos === false)
      return new TokenLacksGatedPermissionError(p.repoId, tokensUrl);
    if (/awaiting a review|pending/i.test(serverMessage)) return new GatedRepoPendingError(p.repoId, repoUrl);
    return new GatedRepoNotApprovedError(p.repoId, repoUrl, who?.name, /rejected/i.test(serverMessage));
  }
  if (status === 401 && authenticated && /invalid (credentials|username or password|token)/i.test(serverMessage)) {
    return new InvalidTokenError(p.tokenSource, tokensUrl);
  }
  if (code === "RevisionNotFound") return new RevisionNotFoundError(p.repoId, p.revision ?? "?");
  if (code === "EntryNotFound" && p.file) return new EntryNotFoundError(p.repoId, p.file.commit, p.file.path);
  // The Hub answers 401 (anonymous) or 404 for both missing and private repos.
  if (code === "RepoNotFound" || status === 401 || (status === 404 && !p.file))
    return new RepoNotFoundError(p.repoId, authenticated);
  if (status === 404 && p.file) return new EntryNotFoundError(p.repoId, p.file.commit, p.file.path);

  const text = redactText(serverMessage, p.token ? [p.token] : []);
  if (status === 403) {
    return new HubAccessDeniedError(`The Hub refused ${redactUrl(p.response.url)} (403${text ? `: ${text}` : ""}).`, {
      hint: `Check that your token (${tokensUrl}) has read permission for ${p.repoId}.`,
    });
  }
  return new HubHttpError(
    `The Hub answered HTTP ${status} for ${redactUrl(p.response.url)}${text ? `: ${text}` : ""}.`,
    {
      hint: "Try again later; if it persists, check HF_ENDPOINT and your proxy.",
    },
  );
}

/** The server's own message: X-Error-Message, else the JSON `error` field, else nothing. */
function errorMessage(res: Pick<HubResponse, "headers" | "body">): string {
  const h = header(res.headers, "x-error-message");
  if (h) return h.slice(0, 500);
  try {
    const j = JSON.parse(res.body.toString("utf8")) as { error?: unknown };
    if (typeof j.error === "string") return j.error.slice(0, 500);
  } catch {
    /* not JSON */
  }
  return "";
}
