import { UsageError } from "../index.js";

const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * Parse a `--limit-rate` value the way curl and aria2c do: bytes per second, with an optional K, M or G suffix
 * (powers of 1024; a trailing "B" or "/s" is allowed): `500K`, `10M`, `1.5M`, `1048576`. At least 1 KiB/s.
 */
export function parseRateFlag(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?(?:\/s)?\s*$/i.exec(value);
  const n = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isFinite(n) || n < 1024) {
    throw new UsageError(`--limit-rate takes bytes per second (at least 1K), got "${value}".`, {
      hint: "Pass e.g. --limit-rate 500K or --limit-rate 10M (K, M, G: powers of 1024, as in curl).",
    });
  }
  return n;
}
