/** Parse `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`). */
export function parseContentRange(
  v: string | string[] | undefined,
): { start: number; end: number; total: number | undefined } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(v ?? "").trim());
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === "*" ? undefined : Number(m[3]) };
}
