import type { Dispatcher } from "undici";
import { diagnoseHubError } from "../diagnose-hub-error.js";
import { HubProtocolError, type TokenSource } from "../errors.js";
import { hubRequest } from "../hub-request.js";
import { XetTokenRefusedError } from "./errors.js";

/** A Xet storage token as the Hub's xet-read-token route hands it out. */
export interface XetToken {
  /** Bearer token for the storage (CAS) service only. */
  accessToken: string;
  /** The storage service's base URL (from the token reply: mirrors proxy it). */
  casUrl: string;
  /** Expiry, unix seconds. */
  exp: number;
}

/** Hands out a valid storage token, fetching a new one from the Hub before the old one expires. */
export interface XetTokenSource {
  /** A token valid for at least REFRESH_MARGIN more seconds (fetched once for concurrent callers). */
  get(): Promise<XetToken>;
  /** The storage said `token` expired (401): the next get() fetches a new one. */
  expired(token: XetToken): void;
  /** Tokens fetched from the Hub so far. */
  readonly fetched: number;
}

/** Refresh this many seconds before `exp` (xet-core uses 30 s; huggingface.js 60 s). */
const REFRESH_MARGIN_S = 60;
/** huggingface_hub's public address: refresh routes that start with it go to HF_ENDPOINT instead (mirrors). */
const PUBLIC_HUB = "https://huggingface.co";

/**
 * The read token of one repo revision, from `{endpoint}/api/models/{repo}/xet-read-token/{rev}` (hub-docs
 * docs/xet/auth.md). The Hub token goes to the Hub's origin only: a refresh route from the resolve response's
 * `xet-auth` link is used when it is on the endpoint's origin, or when it starts with https://huggingface.co, which is
 * rewritten to the endpoint like huggingface_hub's `_xet.py` does for mirrors; anything else is ignored in favour of
 * the route built from the endpoint. The storage token is only ever sent to `casUrl`.
 */
export function createXetTokenSource(p: {
  /** HF_ENDPOINT. */
  endpoint: string;
  /** The route built from the endpoint (`/api/models/{repo}/xet-read-token/{commit}`). */
  defaultRoute: string;
  /** The `xet-auth` link of a resolve response, if any. */
  advertisedRoute?: string;
  /** The Hub token (sent to the endpoint's origin only). */
  hubToken?: string;
  tokenSource?: TokenSource;
  repoId: string;
  commit: string;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** Clock in ms. @default Date.now */
  now?: () => number;
}): XetTokenSource {
  const now = p.now ?? Date.now;
  const route = refreshRoute(p.endpoint, p.defaultRoute, p.advertisedRoute);
  let current: XetToken | undefined;
  let pending: Promise<XetToken> | undefined;
  let fetched = 0;
  const fetchToken = async (): Promise<XetToken> => {
    const res = await hubRequest({ url: route, token: p.hubToken, dispatcher: p.dispatcher, signal: p.signal });
    fetched++;
    if (res.status !== 200) {
      if (res.status === 401 || res.status === 403) {
        const diagnosed = await diagnoseHubError({
          response: res,
          repoId: p.repoId,
          revision: p.commit,
          endpoint: p.endpoint,
          token: p.hubToken,
          tokenSource: p.tokenSource,
        });
        throw new XetTokenRefusedError(`The Hub refused a Xet read token for ${p.repoId}: ${diagnosed.message}`, {
          cause: diagnosed,
          ...(diagnosed.hint ? { hint: diagnosed.hint } : {}),
        });
      }
      throw new HubProtocolError(`The Hub's Xet token route answered HTTP ${res.status} for ${p.repoId}.`);
    }
    let j: Partial<XetToken>;
    try {
      j = JSON.parse(res.body.toString("utf8")) as Partial<XetToken>;
    } catch {
      j = {};
    }
    let cas: URL | undefined;
    try {
      cas = new URL(String(j.casUrl));
    } catch {
      cas = undefined;
    }
    if (
      typeof j.accessToken !== "string" ||
      !j.accessToken ||
      typeof j.exp !== "number" ||
      !cas ||
      (cas.protocol !== "https:" && cas.protocol !== "http:")
    )
      throw new HubProtocolError(`The Hub's Xet token reply for ${p.repoId} lacks accessToken, exp or casUrl.`);
    return { accessToken: j.accessToken, exp: j.exp, casUrl: cas.toString().replace(/\/+$/, "") };
  };
  return {
    get fetched() {
      return fetched;
    },
    async get() {
      if (current && current.exp * 1000 - REFRESH_MARGIN_S * 1000 > now()) return current;
      pending ??= fetchToken().then(
        (t) => {
          pending = undefined;
          current = t;
          return t;
        },
        (e: unknown) => {
          pending = undefined;
          throw e;
        },
      );
      const t = await pending;
      // A token whose expiry is already inside the margin (a clock ahead, a short-lived token) is used once.
      return t;
    },
    expired(token) {
      if (current === token) current = undefined;
    },
  };
}

/** The refresh route to call with the Hub token: never a host other than the endpoint's. */
function refreshRoute(endpoint: string, built: string, advertised: string | undefined): string {
  if (!advertised) return built;
  let url: URL;
  try {
    url = new URL(advertised);
  } catch {
    return built;
  }
  const ep = new URL(endpoint);
  if (url.origin === ep.origin) return url.toString();
  if (advertised.startsWith(`${PUBLIC_HUB}/`))
    return endpoint.replace(/\/+$/, "") + advertised.slice(PUBLIC_HUB.length);
  return built;
}
