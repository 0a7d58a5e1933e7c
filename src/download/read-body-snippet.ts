import { discardBody } from "../core/http/discard-body.js";
import type { HttpResponse } from "../core/http/send-request.js";

/** The first ~4 KiB of an error response's body as text (then the body is thrown away). */
export async function readBodySnippet(res: Pick<HttpResponse, "body">): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= 4096) break;
    }
  } catch {
    // the snippet is best effort
  } finally {
    discardBody(res.body);
  }
  return Buffer.concat(parts).subarray(0, 4096).toString("utf8");
}
