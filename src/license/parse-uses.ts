import { UsageError } from "../core/errors.js";
import { USES, type Use } from "./types.js";

export interface ParseUsesParams {
  /** Uses as given: strings, each possibly comma-separated ("commercial,redistribute"). */
  values: readonly unknown[];
  /** Name of the field or flag, used in the error message. */
  field: string;
}

/**
 * Validate declared uses; unknown ones are a UsageError naming the field. Returns them de-duplicated, in USES order.
 */
export function parseUses({ values, field }: ParseUsesParams): Use[] {
  const seen = new Set<Use>();
  for (const v of values) {
    if (typeof v !== "string") throw invalid(field, v);
    for (const part of v.split(",")) {
      const u = part.trim().toLowerCase();
      if (u === "") continue;
      if (!(USES as readonly string[]).includes(u)) throw invalid(field, part.trim());
      seen.add(u as Use);
    }
  }
  return USES.filter((u) => seen.has(u));
}

function invalid(field: string, value: unknown): UsageError {
  return new UsageError(`Unknown ${field} ${JSON.stringify(value)}.`, {
    code: "INVALID_USE",
    hint: `${field} takes one of: ${USES.join(", ")} (repeat it or separate with commas).`,
    details: { field, value: typeof value === "string" ? value : String(value), allowed: [...USES] },
  });
}
