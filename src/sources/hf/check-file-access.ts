import type { Dispatcher } from "undici";
import type { TokenSource } from "./errors.js";
import { hubRequest } from "./hub-request.js";
import { hubUrls } from "./hub-urls.js";
import { diagnoseHubError } from "./diagnose-hub-error.js";
import type { WhoamiInfo } from "./fetch-whoami.js";

export interface CheckFileAccessParams {
  /** Hub endpoint. */
  endpoint: string;
  /** Validated repo id. */
  repoId: string;
  /** Pinned commit. */
  commit: string;
  /** One file of the repo to probe. */
  path: string;
  /** Token to send, if any. */
  token?: string;
  /** Where the token came from. */
  tokenSource?: TokenSource;
  /** For the fine-grained token diagnosis. */
  whoami?: () => Promise<WhoamiInfo | undefined>;
  /** undici dispatcher. */
  dispatcher?: Dispatcher;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Told about 429/5xx retries. */
  onRetry?: (info: { status?: number; waitSeconds: number; attempt: number; url: string }) => void;
}

/**
 * Probe access before any byte is downloaded: HEAD /resolve/{commit}/{path} without following the
 * CDN redirect. Metadata of gated repos is public, files are not, so this is where a gated repo
 * says 401/403. Throws the diagnosed error; resolves when the file may be downloaded.
 */
export async function checkFileAccess(p: CheckFileAccessParams): Promise<void> {
  const res = await hubRequest({
    url: hubUrls.resolve(p.endpoint, p.repoId, p.commit, p.path),
    method: "HEAD",
    token: p.token,
    dispatcher: p.dispatcher,
    signal: p.signal,
    onRetry: p.onRetry,
  });
  if (res.status >= 200 && res.status < 400) return;
  throw await diagnoseHubError({
    response: res,
    repoId: p.repoId,
    revision: p.commit,
    file: { commit: p.commit, path: p.path },
    endpoint: p.endpoint,
    token: p.token,
    tokenSource: p.tokenSource,
    whoami: p.whoami,
  });
}
