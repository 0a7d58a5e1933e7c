/** Errors of the conversion domain: ConversionError lives in src/model (shared with infer). */
export { ConversionError } from "../model/errors.js";
