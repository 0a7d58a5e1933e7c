import { UsageError } from "../core/errors.js";
import type { OutDType } from "./create-caster.js";

const OUT_DTYPES: readonly OutDType[] = ["F32", "F16", "BF16", "Q8_0"];

/** A dtype in either case ("q8_0" = "Q8_0"), as the CLI's flags take it; anything else is a usage error. */
export function parseOutDType(value: string): OutDType {
  const d = value.toUpperCase() as OutDType;
  if (OUT_DTYPES.includes(d)) return d;
  throw new UsageError(`Unknown dtype "${value}".`, { code: "UNKNOWN_DTYPE", hint: "Use f32, f16, bf16 or q8_0." });
}
