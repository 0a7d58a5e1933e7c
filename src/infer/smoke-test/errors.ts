import { LlamagateError, type LlamagateErrorOptions } from "../../core/errors.js";
import type { ErrorCode } from "../../core/error-codes.js";

/** The input cannot be run: not a GGUF, an architecture llama.cpp cannot load, a folder without weights (exit 9). */
export class SmokeInputError extends LlamagateError {
  constructor(code: ErrorCode, message: string, options: LlamagateErrorOptions = {}) {
    super(code, "conversion", message, options);
  }
}

/** The model loaded but did not produce sane tokens, did not fit, or the asked-for device is missing (exit 10). */
export class SmokeTestFailedError extends LlamagateError {
  constructor(code: ErrorCode, message: string, options: LlamagateErrorOptions = {}) {
    super(code, "smoke-test", message, options);
  }
}
