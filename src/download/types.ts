/**
 * Public types of the transfer engine (src/download). Sources (Meta signed URLs, Hugging Face) build
 * `TransferFile`s and call `downloadFilesIter` / `downloadFiles`; the CLI renders the events.
 */
import type { Dispatcher } from "undici";
import type { RateLimiter } from "./create-rate-limiter.js";
import type { LlamagateError } from "../core/errors.js";
import type { RetryPolicy } from "../core/retry.js";
import type { HashAlgorithm, HashResult } from "../verify/hash-types.js";
import type { FileTooLargeError } from "./errors.js";
import type { StreamTransferParams, StreamTransferResult } from "./transfer-stream.js";

export type { HashAlgorithm, HashResult };

/** A hash the downloaded bytes must have. */
export interface ExpectedHash {
  algorithm: HashAlgorithm;
  /** Hex digest (case-insensitive). */
  hex: string;
}

/** One file to fetch. */
export interface TransferFile {
  /** Where to GET it. May carry secrets (signed query, token): the engine never prints it; use displayName. */
  url: string;
  /** Absolute final path. Parent folders are created. */
  destPath: string;
  /** What to call the file in events and errors (e.g. "llama-2-7b/consolidated.00.pth"). Never a URL. */
  displayName: string;
  /** Size in bytes when known (free-space preflight, skip check, truncation check). */
  expectedSize?: number;
  /** Hash the bytes must have; a mismatch is retried once, then fails with ChecksumMismatchError. */
  expectedHash?: ExpectedHash;
  /**
   * Request headers (e.g. Authorization). Sent to the origin of `url` only: dropped on a redirect to another origin.
   */
  headers?: Record<string, string>;
  /** Hashes to compute and report even without an expected value. */
  hashAlgorithms?: HashAlgorithm[];
  /**
   * Hashes computed in the same read while the bytes arrive (and over resumed bytes), recorded in the
   * verification sidecar and reported, but not worth a read of their own: a file already complete on disk
   * is not hashed again for them (reported when its sidecar knows them).
   */
  hashWhileArriving?: HashAlgorithm[];
  /**
   * Allow several parallel Range parts for this file (when params.partsPerFile > 1). Sources that must
   * be frugal with requests (Meta signed URLs) leave it to the user's opt-in. @default true
   */
  allowParts?: boolean;
  /**
   * Send a Range header on every request, whole-file ones too (`Range: bytes=0-`): the Hugging Face Hub's LFS
   * bridge answers 400 to an unranged GET of a large Xet-stored file. @default false (a plain GET from 0)
   */
  alwaysRange?: boolean;
  /**
   * Refuse the file past this many bytes: a larger announced size is refused before any body byte, and
   * the body is read no further than this. The partial is deleted (nothing is kept). Small metadata
   * files (checklists) from servers that are not trusted to be sane.
   */
  maxBytes?: number;
  /** The error for a file past maxBytes (`atLeast`: the size announced, or the bytes seen so far). */
  tooLarge?: (atLeast: number) => FileTooLargeError;
  /**
   * A source's own way of filling the partial file (the Hub's native Xet storage): called instead of the engine's
   * Range transfer, with that transfer as `standard` to fall back on. It writes at file offsets in the partial file,
   * keeps its resume state beside it and hashes through `p.newHasher`; the engine still checks the hash, fsyncs and
   * renames, so nothing it wrote is published unverified. @default the engine's single-stream or parts transfer
   */
  transfer?: (
    p: StreamTransferParams,
    standard: (p: StreamTransferParams) => Promise<StreamTransferResult>,
  ) => Promise<StreamTransferResult>;
  /**
   * Where to keep the verified sidecar (size, mtime, inode and hashes of the finished file) that lets a
   * rerun skip re-hashing it. @default `.<name>.llamagate.json` beside destPath
   */
  sidecarPath?: string;
}

/** What classifyHttpError receives: enough to recognise an expired signature, a gated repo, a quota page. */
export interface HttpErrorInfo {
  /** HTTP status (200 when the body turned out to be an HTML page). */
  status: number;
  /** Lower-cased response headers. */
  headers: Record<string, string | string[] | undefined>;
  /** First ~4 KiB of the body as text (may hold secrets: redact before putting it in a message). */
  bodySnippet: string;
  /** The file being fetched. */
  file: TransferFile;
  /** True when the body looked like an HTML page where a file was expected. */
  html: boolean;
}

/** Parameters of downloadFilesIter / downloadFiles. */
export interface DownloadFilesParams {
  /** Files to fetch. Destination paths must be distinct. */
  files: TransferFile[];
  /** Files transferred at once. @default 4 */
  concurrency?: number;
  /**
   * Connections per large file (files with allowParts !== false): the file is cut into pieces in file order
   * and each connection takes the next piece (one Range request per piece). @default 1
   */
  partsPerFile?: number;
  /** Files smaller than twice this are never split; pieces are at least min(this, 4 MiB). @default 64 MiB */
  partMinBytes?: number;
  /** undici dispatcher (tests, proxies). @default a keep-alive Agent owned by the call */
  dispatcher?: Dispatcher;
  /**
   * Bandwidth cap for every connection of this call (--limit-rate); pass one limiter to several calls to cap
   * them together (a whole run). @default none
   */
  rateLimiter?: RateLimiter;
  /** Retry policy for connection errors, premature close, stalls, 429 and 5xx. @default 5 tries, 500 ms .. 30 s */
  retry?: RetryPolicy;
  /** A transfer that receives no byte for this long is aborted and retried. @default 30000 */
  stallTimeoutMs?: number;
  /** Cancels everything; partial files are kept and InterruptedError is thrown. */
  signal?: AbortSignal;
  /**
   * Map a non-success response (or an HTML body) to a source-specific error (SignedUrlExpiredError,
   * GatedRepoError...). Return undefined for the engine's default mapping. Errors returned here are final
   * (not retried) unless their category is "network".
   */
  classifyHttpError?: (info: HttpErrorInfo) => LlamagateError | undefined;
  /** Treat a body that starts like an HTML page as an error (HtmlInsteadOfFileError). @default true */
  detectHtml?: boolean;
  /**
   * The destination every destPath (and the lock folder, when inside it) must stay in: each folder below it
   * is created one at a time and a symbolic link among them is refused (UNSAFE_FOLDER), when creating and
   * again before each rename, so a folder link planted in a shared destination is never written through.
   * @default lockDir when every destPath is inside it, else the deepest folder containing every destPath
   */
  root?: string;
  /**
   * Folder that gets the lock file (`.llamagate.lock`). @default the deepest folder containing every destPath
   * ("false" disables locking, e.g. for a caller that already holds it).
   */
  lockDir?: string | false;
  /**
   * How long to wait for another live run holding the folder lock before failing with LOCK_HELD, in ms
   * (a `lock-wait` event about every 10 s meanwhile). Stale locks of dead processes are taken over at once.
   * @default 180000
   */
  lockWaitMs?: number;
  /** Check free space before starting. @default true */
  checkFreeSpace?: boolean;
  /** Minimum interval between file-progress events per file, in ms. @default 250 */
  progressIntervalMs?: number;
  /** Number of hashing worker threads. @default min(concurrency, cores, 4) */
  hashWorkers?: number;
  /**
   * Where bytes are hashed while they arrive: "workers" has the hashing workers read each written range back from
   * the page cache (off the receiving thread; scales with cores); "receiver" hashes each received batch in the
   * receiving thread (no read back, no message between threads, but that one thread does all the hashing). Measured
   * on 2 cores (docs/performance.md): the same CPU per GiB, a longer wall time for "receiver", hence the default.
   * @default "workers"
   */
  hashIn?: "receiver" | "workers";
  /**
   * Ranges of at least this many bytes are read straight from a connection of their own, without undici's
   * per-chunk work, where the dispatcher connects directly (the default dispatcher without a proxy); smaller ones,
   * proxied ones and a caller's own dispatcher go through undici. 0 = every range that can; Infinity = none.
   * @default 8 MiB
   */
  rawBodyMinBytes?: number;
}

/** Summary line of one file. */
export interface FileSummary {
  /** TransferFile.displayName. */
  name: string;
  /** Final absolute path. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Computed digests (expected algorithm + hashAlgorithms). Skipped files report the verified values. */
  hashes: HashResult;
  /** Body bytes received over the network in this run. */
  bytesTransferred: number;
  /** Bytes reused from a partial file of an earlier run (or an already complete file). */
  bytesReused: number;
  /** Retries this file needed. */
  retries: number;
  /** The file was already complete and verified: nothing was downloaded. */
  skipped: boolean;
  /** Why it was skipped ("verified-sidecar", "hash-match", "size-match"). */
  skipReason?: string;
  /** Whether the expected hash was checked and matched. */
  verified: boolean;
  /** Wall time spent on this file, in seconds. */
  seconds: number;
}

/** What a failed file looked like. */
export interface FailedFile {
  name: string;
  path: string;
  code: string;
  category: string;
  message: string;
}

/** The result of a whole download. */
export interface DownloadSummary {
  files: FileSummary[];
  failed: FailedFile[];
  totals: {
    files: number;
    skipped: number;
    bytes: number;
    bytesTransferred: number;
    bytesReused: number;
    retries: number;
  };
  seconds: number;
  retries: number;
}

/** Events yielded by downloadFilesIter, in the order they happen. */
export type DownloadEvent =
  | { type: "lock-wait"; dir: string; pid: number; host: string; waitedMs: number; timeoutMs: number }
  | { type: "plan"; files: { name: string; path: string; expectedSize?: number }[]; totalBytes?: number }
  | { type: "file-start"; name: string; path: string; totalBytes?: number; resumeFrom: number }
  | { type: "file-progress"; name: string; bytesDone: number; totalBytes?: number; bytesPerSecond: number }
  | { type: "file-retry"; name: string; attempt: number; reason: string; waitMs: number; bytesDone: number }
  | { type: "file-corrupt"; name: string; expected: string; actual: string; algorithm: HashAlgorithm; movedTo: string }
  | { type: "file-done"; name: string; path: string; file: FileSummary }
  | { type: "file-error"; name: string; path: string; error: LlamagateError }
  | { type: "summary"; summary: DownloadSummary };

/**
 * The engine settings a source pipeline passes through unchanged (each pipeline documents its own
 * defaults: Meta one connection per file up to 8 and no parts, the Hub 8 files at once).
 */
export type EngineOptions = Pick<
  DownloadFilesParams,
  | "concurrency"
  | "partsPerFile"
  | "partMinBytes"
  | "dispatcher"
  | "rateLimiter"
  | "retry"
  | "stallTimeoutMs"
  | "lockWaitMs"
  | "signal"
>;
