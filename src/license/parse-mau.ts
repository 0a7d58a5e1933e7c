import { UsageError } from "../core/errors.js";

export interface ParseMauParams {
  /** What the user gave: a number, or text such as "750M", "1.2B", "700,000,000", "7e8". */
  value: unknown;
  /** Name of the field or flag, used in the error message (e.g. "--mau", "affiliatesMau"). */
  field: string;
}

const SUFFIX_EXPONENT: Readonly<Record<string, number>> = { "": 0, k: 3, m: 6, b: 9, bn: 9 };

/**
 * Parse a count of monthly active users into a non-negative whole number. Accepts plain integers,
 * thousands separators (",", "_", " "), K/M/B suffixes with decimals ("1.2B") and exponents ("7e8").
 * Arithmetic is exact (decimal strings, not floats), so "1.2B" is exactly 1,200,000,000.
 * Throws a UsageError naming `field` for negative, fractional, non-numeric or absurdly large values.
 */
export function parseMau({ value, field }: ParseMauParams): number {
  const fail = (why: string): never => {
    throw new UsageError(`Invalid ${field} ${JSON.stringify(value)}: ${why}.`, {
      code: "INVALID_MAU",
      hint: `Give ${field} as a whole number of monthly active users, e.g. 700000000, 700,000,000, 750M, 1.2B or 7e8.`,
      details: { field, value: typeof value === "string" || typeof value === "number" ? value : String(value) },
    });
  };
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) fail("not a finite number");
    if (value < 0) fail("a number of users cannot be negative");
    if (!Number.isInteger(value)) fail("a number of users must be a whole number");
    if (!Number.isSafeInteger(value)) fail("too large");
    return value;
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    return fail("expected a number or a string such as 750M");
  }
  if (text === "") fail("empty");
  if (/^-/.test(text)) fail("a number of users cannot be negative");
  const m = /^(\d{1,3}(?:[,_ ]\d{3})+|\d+)(?:\.(\d+))?(?:[eE]\+?(\d{1,3}))?\s*([kKmMbB]|bn|BN|Bn)?$/.exec(text);
  if (!m) return fail("not a number (use digits with an optional K, M or B suffix)");
  const intDigits = m[1]!.replace(/[,_ ]/g, "");
  const fracDigits = m[2] ?? "";
  const exponent = Number(m[3] ?? "0") + SUFFIX_EXPONENT[(m[4] ?? "").toLowerCase()]!;
  if (m[3] !== undefined && m[4] !== undefined) fail("use either an exponent or a suffix, not both");
  // value = (int.frac) * 10^exponent, computed on digit strings.
  const shift = exponent - fracDigits.length;
  let digits = intDigits + fracDigits;
  if (shift >= 0) {
    digits += "0".repeat(shift);
  } else {
    const dropped = digits.slice(shift);
    if (/[^0]/.test(dropped)) fail("a number of users must be a whole number");
    digits = digits.slice(0, shift) || "0";
  }
  const n = BigInt(digits);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) fail("too large");
  return Number(n);
}
