/**
 * One error base class for the whole library. `code` is stable (scripts and the CLI's exit-code
 * table key on it); `hint` tells the user what to do. Messages must never contain secrets:
 * build them from redacted values (see ./redact.ts).
 */
import type { ErrorCode } from "./error-codes.js";

/** Broad classes of failure; the CLI maps each one to a documented exit code (src/core/exit-codes.ts). */
export type ErrorCategory =
  | "usage" // bad flags, unknown model, malformed input from the user
  | "license" // license terms block the use, or the license was not accepted
  | "access" // authentication / authorisation / expired or exhausted signed URL / gated repo
  | "not-found" // remote repo, revision or file does not exist
  | "integrity" // checksum mismatch, corrupt or truncated file, HTML instead of a file
  | "network" // connection failures and server errors after all retries
  | "filesystem" // disk full, unwritable destination, lock held
  | "conversion" // unreadable/unsafe checkpoint, conversion impossible
  | "smoke-test" // inference produced no/invalid tokens
  | "interrupted" // aborted by signal
  | "internal"; // a bug

export interface LlamagateErrorOptions {
  /** What the user should do next, one sentence. */
  hint?: string;
  /** Underlying error, kept for debugging (never printed raw: it may hold secrets). */
  cause?: unknown;
  /** Extra machine-readable facts for --json output (must already be redacted). */
  details?: Record<string, unknown>;
}

export class LlamagateError extends Error {
  readonly code: ErrorCode;
  readonly category: ErrorCategory;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, category: ErrorCategory, message: string, options: LlamagateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = category;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** The user asked for something malformed or impossible (bad flag value, unknown model...). */
export class UsageError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? "USAGE", "usage", message, options);
  }
}

/** The hint of an InterruptedError that was given none (the CLI words it per command: what is kept, if anything). */
export const INTERRUPTED_HINT = "Run the same command again to continue where it stopped.";

/** The operation was cancelled through its AbortSignal (Ctrl-C, SIGTERM). */
export class InterruptedError extends LlamagateError {
  constructor(message = "Interrupted.", options: LlamagateErrorOptions = {}) {
    super("INTERRUPTED", "interrupted", message, {
      hint: INTERRUPTED_HINT,
      ...options,
    });
  }
}

/** A filesystem operation failed in a way the user can fix (full disk, permissions, lock held). */
export class FilesystemError extends LlamagateError {
  constructor(code: ErrorCode, message: string, options: LlamagateErrorOptions = {}) {
    super(code, "filesystem", message, options);
  }
}

export function isLlamagateError(e: unknown): e is LlamagateError {
  return e instanceof LlamagateError;
}
