import { posix } from "node:path";
import { eventChannel } from "../../core/event-channel.js";
import type { BundleManifest } from "../../formats/tar/bundle-manifest.js";
import { checkBundleDestination } from "../../formats/tar/check-bundle-destination.js";
import { BundleError } from "../../formats/tar/errors.js";
import { readBundleManifest } from "../../formats/tar/read-bundle-manifest.js";
import { extractBundle, type UnpackBundleParams, type UnpackBundleResult } from "../../formats/tar/extract-bundle.js";
import type { ModelSource } from "../model-source.js";

/** extractBundle's parameters; progress comes as events. */
export type BundleSourceParams = Omit<UnpackBundleParams, "onProgress">;

/** What the bundle's check found: its manifest (files, model, license family, the packer's acceptance record). */
export interface BundleCheck {
  params: BundleSourceParams;
  manifest: BundleManifest;
}

/** The bundle's plan: the files it carries, and the bytes not already in the destination. */
export interface BundlePlan {
  checked: BundleCheck;
  files: number;
  bytesNeeded: number;
}

/** Progress of the extraction (content bytes written so far). */
export type BundleEvent = { type: "bundle-progress"; bytes: number };

export type BundleSource = ModelSource<BundleSourceParams, BundleCheck, BundlePlan, BundleEvent, UnpackBundleResult>;

/**
 * An air-gapped bundle (`llamagate pack`) as a source. Check: its manifest, read and checked alone (the license facts
 * a gate needs). Plan: what the destination already has; a file there that differs is refused (OUTPUT_EXISTS) unless
 * `force`. Fetch: extractBundle, which reads the bundle again from the start, verifying every member while extracting
 * (a local read, not the network engine), and refuses a bundle whose manifest is no longer the one checked.
 */
export const bundleSource: BundleSource = {
  kind: "bundle",
  checkIsOffline: true,
  // eslint-disable-next-line require-yield -- reading the manifest has nothing to report
  check: async function* (params) {
    const manifest = await readBundleManifest({ bundle: params.bundle, signal: params.signal });
    return { params, manifest };
  },
  // eslint-disable-next-line require-yield -- the plan is a few stats
  plan: async function* (checked) {
    const { dir, force } = checked.params;
    const { bytesNeeded } = await checkBundleDestination({ dir, manifest: checked.manifest, force });
    return { checked, files: checked.manifest.files.length, bytesNeeded };
  },
  fetch: (plan) =>
    eventChannel<BundleEvent, UnpackBundleResult>((emit) =>
      extractBundle({
        ...plan.checked.params,
        onProgress: (bytes) => emit({ type: "bundle-progress", bytes }),
        beforeExtract: async (manifest) => {
          if (JSON.stringify(manifest) !== JSON.stringify(plan.checked.manifest))
            throw new BundleError(
              "BUNDLE_MALFORMED",
              `${posix.basename(plan.checked.params.bundle)}: its manifest changed since it was checked; refusing the bundle.`,
            );
          await plan.checked.params.beforeExtract?.(manifest);
        },
      }),
    ),
  // A plan holds nothing open (the bundle is opened again by fetch).
  discard: async () => {},
};
