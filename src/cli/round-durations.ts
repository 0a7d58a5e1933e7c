/**
 * Durations in a `--json` object rounded to milliseconds, as docs/json.md promises: every number under a key named
 * `seconds` or ending in `Seconds` (`loadSeconds`, `firstTokenSeconds`, ...), at any depth. printJson applies it
 * to every command's object, so no command rounds on its own (and none can forget to).
 */
export function roundDurations(value: unknown, key = ""): unknown {
  if (typeof value === "number") {
    return Number.isFinite(value) && (key === "seconds" || key.endsWith("Seconds"))
      ? Math.round(value * 1000) / 1000
      : value;
  }
  if (Array.isArray(value)) return value.map((v) => roundDurations(v));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDurations(v, k)]));
  }
  return value;
}
