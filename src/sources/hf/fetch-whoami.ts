import type { Dispatcher } from "undici";
import { HubProtocolError, InvalidTokenError, type TokenSource } from "./errors.js";
import { fetchHubJson } from "./fetch-hub-json.js";
import { hubUrls } from "./hub-urls.js";

/** What /api/whoami-v2 says about a token, reduced to what llamagate shows. */
export interface WhoamiInfo {
  /** Account name. */
  name: string;
  /** "user", "org" or "app". */
  type: string;
  /** Display name, when set. */
  fullname?: string;
  /** Token role: "read", "write", "fineGrained" (or another role the Hub adds). */
  role?: string;
  /** Token display name. */
  tokenName?: string;
  /** Fine-grained tokens only: whether the "read gated repos" box is ticked. */
  canReadGatedRepos?: boolean;
  /** Organisations the account belongs to. */
  orgs: string[];
}

export interface FetchWhoamiParams {
  /** Hub endpoint (HF_ENDPOINT). */
  endpoint: string;
  /** The token to check. */
  token: string;
  /** Where it came from (named in the "invalid token" hint). */
  tokenSource?: TokenSource;
  /** undici dispatcher. */
  dispatcher?: Dispatcher;
  /** Cancels the call. */
  signal?: AbortSignal;
}

/** GET /api/whoami-v2: validate a token and describe it. 401 becomes InvalidTokenError. */
export async function fetchWhoami(p: FetchWhoamiParams): Promise<WhoamiInfo> {
  const { json } = await fetchHubJson({
    ...p,
    url: hubUrls.whoami(p.endpoint),
    repoId: "(whoami)",
    what: "/api/whoami-v2 answer",
    maxRetries: 2,
    refuse: (res) =>
      res.status === 401 ? new InvalidTokenError(p.tokenSource, hubUrls.tokens(p.endpoint)) : undefined,
  });
  const j = (json ?? {}) as Record<string, unknown>;
  if (typeof j.name !== "string") throw new HubProtocolError("The Hub's /api/whoami-v2 answer has no account name.");
  const auth = obj(j.auth);
  const at = obj(auth?.accessToken);
  // Observed in the wild under accessToken.fineGrained; accept it at the top level of auth too.
  const fg = obj(at?.fineGrained) ?? obj(auth?.fineGrained);
  const orgs = Array.isArray(j.orgs)
    ? j.orgs.map((o) => obj(o)?.name).filter((n): n is string => typeof n === "string")
    : [];
  return {
    name: j.name,
    type: typeof j.type === "string" ? j.type : "user",
    ...(typeof j.fullname === "string" ? { fullname: j.fullname } : {}),
    ...(typeof at?.role === "string" ? { role: at.role } : {}),
    ...(typeof at?.displayName === "string" ? { tokenName: at.displayName } : {}),
    ...(typeof fg?.canReadGatedRepos === "boolean" ? { canReadGatedRepos: fg.canReadGatedRepos } : {}),
    orgs,
  };
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
