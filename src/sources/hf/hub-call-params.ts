import type { Dispatcher } from "undici";
import type { TokenSource } from "./errors.js";
import type { WhoamiInfo } from "./fetch-whoami.js";

/** What every call to the Hub API about one repo takes. */
export interface HubCallParams {
  /** Hub endpoint (HF_ENDPOINT). */
  endpoint: string;
  /** Validated repo id. */
  repoId: string;
  /** Token to send, if any. */
  token?: string;
  /** Where the token came from (named in access errors). */
  tokenSource?: TokenSource;
  /** For error diagnosis (the fine-grained token check). */
  whoami?: () => Promise<WhoamiInfo | undefined>;
  /** undici dispatcher. */
  dispatcher?: Dispatcher;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Told about 429/5xx retries. */
  onRetry?: (info: { status?: number; waitSeconds: number; attempt: number; url: string }) => void;
}
