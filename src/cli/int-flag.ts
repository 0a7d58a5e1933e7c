import { UsageError } from "../index.js";

/**
 * A commander argument parser for a whole-number flag: `.option("--parts <n>", "...", intFlag("--parts", 1, 64))`.
 * A bad value is a usage error (exit 2) that names the flag and the range, e.g.
 * `--parts must be a whole number from 1 to 64, got "abc".`
 */
export function intFlag(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value.trim());
    if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}".`, {
        hint: `Pass ${flag} ${min === 0 ? 0 : min}..${max}.`,
      });
    }
    return n;
  };
}
