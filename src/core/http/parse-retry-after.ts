/**
 * How long a server asked us to wait before the next try, in ms, from its response headers: the IETF
 * `RateLimit: "api";r=0;t=55` field (wait t+1 s once the remaining quota r is 0, as huggingface_hub does)
 * or `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date). Undefined when neither says.
 * The one Retry-After parser of llamagate (the engine and the Hub client both use it).
 */
export function parseRetryAfter(
  headers: Record<string, string | string[] | undefined>,
  now: number = Date.now(),
): number | undefined {
  const rl = first(headers["ratelimit"]);
  if (rl) {
    const r = /(?:^|;)\s*r=(\d+)/.exec(rl);
    const t = /(?:^|;)\s*t=(\d+)/.exec(rl);
    if (t && (!r || Number(r[1]) === 0)) return (Number(t[1]) + 1) * 1000;
  }
  const ra = first(headers["retry-after"])?.trim();
  if (!ra) return undefined;
  if (/^\d+$/.test(ra)) return Number(ra) * 1000;
  if (!/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /i.test(ra)) return undefined;
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
