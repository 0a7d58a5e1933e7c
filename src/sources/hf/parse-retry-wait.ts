/**
 * Seconds to wait before retrying a 429/503 from the Hub, from its headers:
 * `RateLimit: "api";r=0;t=55` (IETF draft, wait t+1 s when r=0, as huggingface_hub does) or
 * `Retry-After: <seconds>` (the HTTP-date form is also accepted). Undefined when neither says.
 */
export function parseRetryWait(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const rl = first(headers["ratelimit"]);
  if (rl) {
    const r = /(?:^|;)\s*r=(\d+)/.exec(rl);
    const t = /(?:^|;)\s*t=(\d+)/.exec(rl);
    if (t && (!r || Number(r[1]) === 0)) return Number(t[1]) + 1;
  }
  const ra = first(headers["retry-after"])?.trim();
  if (ra) {
    if (/^\d+$/.test(ra)) return Number(ra);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  return undefined;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
