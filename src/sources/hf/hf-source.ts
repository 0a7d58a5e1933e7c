import type { ModelSource } from "../model-source.js";
import { checkHfDownloadIter, type HfDownloadCheck } from "./check-hf-download.js";
import { fetchHfDownloadIter } from "./fetch-hf-download.js";
import type { DownloadHfParams, HfDownloadEvent, HfDownloadSummary } from "./hf-download-types.js";
import { planHfDownloadIter, type HfDownloadPlan } from "./plan-hf-download.js";

export type HfSource = ModelSource<
  DownloadHfParams,
  HfDownloadCheck,
  HfDownloadPlan,
  HfDownloadEvent,
  HfDownloadSummary
>;

/** A Hugging Face Hub repo as a source: the check asks the Hub (the revision's commit), so it runs after the gate. */
export const hfSource: HfSource = {
  kind: "hf",
  checkIsOffline: false,
  check: checkHfDownloadIter,
  plan: planHfDownloadIter,
  fetch: fetchHfDownloadIter,
  // A plan holds nothing open (the engine's locks are taken by fetch).
  discard: async () => {},
};
