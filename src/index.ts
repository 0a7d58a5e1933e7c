// The public library API: named exports only. package.json "exports" points here; everything else is internal.
export { evaluateLicense } from "./license/evaluate-license.js";
