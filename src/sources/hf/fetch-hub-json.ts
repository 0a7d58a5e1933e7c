import type { LlamagateError } from "../../core/errors.js";
import { diagnoseHubError } from "./diagnose-hub-error.js";
import { HubProtocolError } from "./errors.js";
import type { HubCallParams } from "./hub-call-params.js";
import { hubRequest, type HubResponse } from "./hub-request.js";

export interface FetchHubJsonParams extends Omit<HubCallParams, "repoId"> {
  /** The API URL. */
  url: string;
  /** What the answer is, for messages: "the model info for org/name", "the /api/whoami-v2 answer". */
  what: string;
  /** The repo the call is about ("(whoami)" for account calls), for the error diagnosis. */
  repoId: string;
  /** The revision asked for, for the error diagnosis. */
  revision?: string;
  /** Retries for 429/5xx/network errors (hubRequest's default otherwise). */
  maxRetries?: number;
  /** A status this call words itself (e.g. whoami's 401), before the common diagnosis. */
  refuse?: (response: HubResponse) => LlamagateError | undefined;
}

/**
 * One Hub API call answered with JSON: the request (retries, token only to the Hub's origin), a non-200 answer
 * turned into the error a user can act on (diagnoseHubError), and the body parsed, or a HubProtocolError naming
 * what was asked for. The parsed value is unchecked: each caller checks the fields it uses.
 */
export async function fetchHubJson(p: FetchHubJsonParams): Promise<{ json: unknown; response: HubResponse }> {
  const response = await hubRequest({
    url: p.url,
    token: p.token,
    dispatcher: p.dispatcher,
    signal: p.signal,
    onRetry: p.onRetry,
    ...(p.maxRetries !== undefined ? { maxRetries: p.maxRetries } : {}),
  });
  const refused = p.refuse?.(response);
  if (refused) throw refused;
  if (response.status !== 200) {
    throw await diagnoseHubError({
      response,
      repoId: p.repoId,
      ...(p.revision !== undefined ? { revision: p.revision } : {}),
      endpoint: p.endpoint,
      token: p.token,
      tokenSource: p.tokenSource,
      whoami: p.whoami,
    });
  }
  try {
    return { json: JSON.parse(response.body.toString("utf8")) as unknown, response };
  } catch (e) {
    throw new HubProtocolError(`The Hub's ${p.what} is not JSON.`, { cause: e });
  }
}
