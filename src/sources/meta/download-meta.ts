import type { CatalogModel, MetaLayout } from "../../catalog/models.js";
import type { checkFreeSpace } from "../../core/fs/check-free-space.js";
import type { DownloadEvent, DownloadSummary, FileSummary, EngineOptions } from "../../download/types.js";
import { drainIter } from "../../core/drain-iter.js";
import { checkMetaDownload } from "./check-meta-download.js";
import { fetchMetaDownloadIter } from "./fetch-meta-download.js";
import { planMetaDownloadIter } from "./plan-meta-download.js";

export interface DownloadMetaParams extends EngineOptions {
  /** The signed URL from Meta's email (secret: never rendered). */
  url: string;
  /** Catalog models to fetch (one family). */
  models: readonly CatalogModel[];
  /** Destination folder; download.sh's layout is created inside it. */
  dir: string;
  /** Clock (tests). @default () => new Date() */
  now?: () => Date;
  /** Free-space preflight before the first request (--no-space-check turns it off). @default true */
  spaceCheck?: boolean;
  /** "llama-stack": one folder per model named after its llama-stack descriptor (see buildMetaPlan). */
  localLayout?: "meta" | "llama-stack";
  /** Total bytes of the shards when known exactly (the demo); else the catalog's estimate. */
  weightBytes?: number;
  /** Injectable statfs for the free-space preflight (tests). */
  statfsImpl?: Parameters<typeof checkFreeSpace>[0]["statfsImpl"];
}

/** Events of downloadMetaIter: the engine's, plus the plan and phase changes. */
export type MetaDownloadEvent =
  | DownloadEvent
  | { type: "meta-plan"; layout: MetaLayout; display: string; expiresAt: Date; files: string[] }
  | { type: "meta-phase"; phase: "checklists" | "files" }
  | { type: "meta-unlisted"; files: string[] };

export interface MetaDownloadSummary {
  dir: string;
  layout: MetaLayout;
  models: string[];
  expiresAt: Date;
  /** Every file of the plan, in download.sh's order. */
  files: FileSummary[];
  /** Files whose md5 came from a checklist and matched. */
  verified: number;
  totals: DownloadSummary["totals"];
  seconds: number;
  retries: number;
}

/**
 * Fetch Meta models like download.sh does, but in parallel, resumable and verified: the Meta source's three steps
 * in a row. Check (no request): the link parses, has not expired and is for the models' family. Plan: download.sh's
 * files, and room for the weights still to come. Fetch: the checklists first, then every other file with its
 * checklist md5 as the expected hash, computed while it arrives. Throws before any request when the URL is
 * malformed or expired.
 */
export async function* downloadMetaIter(
  params: DownloadMetaParams,
): AsyncGenerator<MetaDownloadEvent, MetaDownloadSummary> {
  return yield* fetchMetaDownloadIter(yield* planMetaDownloadIter(checkMetaDownload(params)));
}

/** Drain downloadMetaIter and return its summary. */
export async function downloadMeta(params: DownloadMetaParams): Promise<MetaDownloadSummary> {
  return drainIter(downloadMetaIter(params));
}
