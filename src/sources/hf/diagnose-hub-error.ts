import type { LlamagateError } from "../../core/errors.js";
import { classifyHubResponse, type ClassifyHubResponseParams } from "./classify-hub-response.js";
import type { WhoamiInfo } from "./fetch-whoami.js";
import { header } from "./hub-request.js";

export interface DiagnoseHubErrorParams extends Omit<ClassifyHubResponseParams, "who"> {
  /** Looks up the token's identity; called only for a 403 on a gated repo, where the token's kind matters. */
  whoami?: () => Promise<WhoamiInfo | undefined>;
}

/** classifyHubResponse, asking whoami-v2 first when a token got a gated 403 (fine-grained token check). */
export async function diagnoseHubError(p: DiagnoseHubErrorParams): Promise<LlamagateError> {
  const gated403 =
    p.response.status === 403 && header(p.response.headers, "x-error-code") === "GatedRepo" && Boolean(p.token);
  const who = gated403 ? await p.whoami?.().catch(() => undefined) : undefined;
  return classifyHubResponse({ ...p, ...(who ? { who } : {}) });
}
