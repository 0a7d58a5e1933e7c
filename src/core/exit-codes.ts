import type { ErrorCategory } from "./errors.js";

/**
 * The one table of exit codes. docs/exit-codes.md documents it and test/unit/cli/exit-codes.test.ts
 * pins it: scripts depend on these numbers, so only ever add.
 */
export const EXIT_CODES = {
  ok: 0,
  internal: 1,
  usage: 2,
  license: 3,
  access: 4,
  "not-found": 5,
  integrity: 6,
  network: 7,
  filesystem: 8,
  conversion: 9,
  "smoke-test": 10,
  /** `license check` verdicts other than `permitted` (which exits 0). */
  "verdict-permitted-with-obligations": 11,
  "verdict-requires-meta-license": 12,
  "verdict-not-permitted": 13,
  interrupted: 130,
} as const;

export function exitCodeForCategory(category: ErrorCategory): number {
  return EXIT_CODES[category];
}
