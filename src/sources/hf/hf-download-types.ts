/** The Hub source's parameters, events and summary (downloadHfIter and its check, plan and fetch steps). */
import type { DownloadEvent, EngineOptions } from "../../download/types.js";
import type { TokenSource } from "./errors.js";
import type { SelectedFiles } from "./select-files.js";

export interface DownloadHfParams extends EngineOptions {
  /** "org/name" as the user typed it (validated here). */
  repoId: string;
  /** Branch, tag or commit. @default "main" */
  revision?: string;
  /** Globs of files to fetch (none = all, minus the Llama defaults). */
  include?: readonly string[];
  /** Globs of files to leave out. */
  exclude?: readonly string[];
  /** Write plain files here instead of the cache. */
  localDir?: string;
  /** Hub cache (HF_HUB_CACHE, else $HF_HOME/hub); used when localDir is not set. */
  cacheDir: string;
  /** Hub endpoint (HF_ENDPOINT). */
  endpoint: string;
  /** Token, if any; sent only to the Hub's origin, never to the CDN. */
  token?: string;
  /** Where the token came from (named in hints). */
  tokenSource?: TokenSource;
  /** HF_HUB_DISABLE_SYMLINKS: snapshot files are copies of their blobs instead of symlinks. */
  disableSymlinks?: boolean;
  /** HF_HUB_OFFLINE: answer from the cache only, no network at all. */
  offline?: boolean;
  /**
   * Stop after the plan (dry runs): the source's check and plan, the access check included, and nothing else; the
   * summary lists the files, nothing is written and no file byte is fetched. @default false
   */
  checkOnly?: boolean;
  /**
   * Download files the Hub stores on Xet natively (reconstruction API, xorb ranges, chunk decoding); false (the CLI's
   * `--no-xet`) fetches every file through the Hub's plain HTTP LFS bridge instead, always with a Range header.
   * @default true
   */
  xet?: boolean;
}

/** Events: the engine's, plus the Hub's own steps. */
export type HfDownloadEvent =
  | DownloadEvent
  | { type: "hf-resolved"; repoId: string; revision: string; commit: string; gated: false | string }
  | {
      type: "hf-plan";
      files: { path: string; size: number }[];
      skippedByDefault: SelectedFiles["skippedByDefault"];
      cached: number;
    }
  | { type: "hf-retry"; status?: number; waitSeconds: number; attempt: number; url: string }
  | { type: "hf-offline"; commit: string; files: number };

export interface HfDownloadSummary {
  repoId: string;
  revision: string;
  /** The commit every file came from. */
  commit: string;
  /** Where the files are: the snapshot folder, or --local-dir. */
  path: string;
  /** "cache" or "local-dir". */
  mode: "cache" | "local-dir";
  offline: boolean;
  files: {
    path: string;
    size: number;
    etag?: string;
    sha256?: string;
    gitSha1?: string;
    verified: boolean;
    downloaded: boolean;
    /** Its bytes came natively from Xet storage in this run (not through the LFS bridge). */
    xet?: true;
  }[];
  bytesTransferred: number;
  seconds: number;
}
