import type { ModelSource } from "../model-source.js";
import { checkMetaDownload, type MetaDownloadCheck } from "./check-meta-download.js";
import type { DownloadMetaParams, MetaDownloadEvent, MetaDownloadSummary } from "./download-meta.js";
import { fetchMetaDownloadIter } from "./fetch-meta-download.js";
import { planMetaDownloadIter, type MetaDownloadPlan } from "./plan-meta-download.js";

export type MetaSource = ModelSource<
  DownloadMetaParams,
  MetaDownloadCheck,
  MetaDownloadPlan,
  MetaDownloadEvent,
  MetaDownloadSummary
>;

/** Meta's signed-URL CDN as a source: the link is checked without a request, so before the license gate. */
export const metaSource: MetaSource = {
  kind: "meta",
  checkIsOffline: true,
  // eslint-disable-next-line require-yield -- the check makes no request and has nothing to report
  check: async function* (params) {
    return checkMetaDownload(params);
  },
  plan: planMetaDownloadIter,
  fetch: fetchMetaDownloadIter,
  // A plan holds nothing open (the release lock is taken by fetch).
  discard: async () => {},
};
