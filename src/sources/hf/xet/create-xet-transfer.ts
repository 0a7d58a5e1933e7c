import type { TransferFile } from "../../../download/types.js";
import { HubProtocolError } from "../errors.js";
import { header, hubRequest } from "../hub-request.js";
import type { ByteBudget } from "./create-byte-budget.js";
import type { XetTokenSource } from "./create-xet-token-source.js";
import { transferXet } from "./transfer-xet.js";

/**
 * The engine hook (TransferFile.transfer) that downloads one Hub file natively from Xet storage when the Hub says it
 * is there: a HEAD of its /resolve URL (Hub token, no redirect followed) must carry `X-Xet-Hash`; the `xet-auth` link
 * names the token route (see createXetTokenSource for where the Hub token may go). Anything else (no Xet headers, a
 * mirror without the token route) goes through the engine's own Range transfer, i.e. the LFS bridge, as with --no-xet.
 */
export function createXetTransfer(p: {
  /** The file's /resolve URL on the Hub. */
  resolveUrl: string;
  /** The Hub token, for the HEAD (Hub origin only). */
  hubToken?: string;
  /** The run's token source for a refresh route (`xet-auth` link, if any). */
  tokensFor: (advertisedRoute: string | undefined) => XetTokenSource;
  budget: ByteBudget;
  /** Parallel xorb requests per file. */
  connections: number;
  /** Told when the file goes native (after the Hub confirmed Xet and handed out a token). */
  onNative?: () => void;
}): NonNullable<TransferFile["transfer"]> {
  return async (sp, standard) => {
    const size = sp.file.expectedSize;
    if (!size) return standard(sp);
    const head = await hubRequest({
      url: p.resolveUrl,
      method: "HEAD",
      token: p.hubToken,
      dispatcher: sp.dispatcher,
      signal: sp.signal,
    });
    const fileHash = header(head.headers, "x-xet-hash")?.trim().toLowerCase();
    if (head.status >= 400 || !fileHash || !/^[0-9a-f]{64}$/.test(fileHash)) return standard(sp);
    const links = parseLinks(header(head.headers, "link") ?? "");
    const tokens = p.tokensFor(links["xet-auth"]);
    try {
      await tokens.get();
    } catch (e) {
      // A mirror that proxies /resolve but has no token route: the bridge still works.
      if (e instanceof HubProtocolError) return standard(sp);
      throw e;
    }
    p.onNative?.();
    return transferXet({ ...sp, fileHash, tokens, budget: p.budget, connections: p.connections });
  };
}

/** `<url>; rel="a", <url>; rel="b"` → { a: url, b: url }. */
function parseLinks(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.matchAll(/<([^>]+)>\s*;\s*rel="?([^",;]+)"?/g)) out[m[2]!] = m[1]!;
  return out;
}
