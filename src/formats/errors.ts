/**
 * Errors raised by the format readers and writers. Every parser of untrusted bytes throws one of
 * these (never a RangeError or a JSON SyntaxError) so the CLI can map it to an exit code.
 */
import { LlamagateError, type LlamagateErrorOptions } from "../core/errors.js";
import type { ErrorCode } from "../core/error-codes.js";

/** A file is truncated, malformed or internally inconsistent (unreadable checkpoint). */
export class CorruptFileError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? "CORRUPT_FILE", "conversion", message, {
      hint: "The file is damaged or incomplete: download it again (llamagate verify checks it).",
      ...options,
    });
  }
}

/** A checkpoint asks for something that could execute code (a pickle global outside the allowlist). */
export class UnsafeCheckpointError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? "UNSAFE_CHECKPOINT", "conversion", message, {
      hint: "Nothing was executed. Only plain tensor checkpoints are accepted; get the weights from a trusted source.",
      ...options,
    });
  }
}

/** A well-formed file uses a feature or type this tool does not handle. */
export class UnsupportedFormatError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? "UNSUPPORTED_FORMAT", "conversion", message, options);
  }
}
