import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { findModel } from "../catalog/find-model.js";
import { licenseGate, type LicenseGateResult } from "../pipeline/license-gate.js";
import { downloadMetaIter, type MetaDownloadEvent, type MetaDownloadSummary } from "../pipeline/download-meta.js";
import { verifyChecklists, type VerifyChecklistsResult } from "../verify/verify-checklists.js";
import { generateMetaRelease } from "./generate-meta-release.js";
import { serveSignedCdn, type CdnRequestRecord } from "./serve-signed-cdn.js";

/** The monthly active users the demo declares for its imaginary organisation. */
const DEMO_ORG_MAU = 1000;

export interface RunDemoParams {
  /** Where to download to; a temporary folder (removed afterwards) when undefined. */
  dir?: string;
  /** Catalog model whose layout the generated release imitates. @default "llama-2-7b" */
  model?: string;
  /** Bytes per generated consolidated.NN.pth. @default 4 MiB */
  shardBytes?: number;
  /** Make the CDN drop the connection once in the middle of the first shard, to show the ranged resume. */
  showResume?: boolean;
  /** Cancels the demo. */
  signal?: AbortSignal;
}

export type DemoEvent =
  | { type: "demo-release"; files: number; bytes: number; origin: string; expiresAt: Date; dir: string }
  | { type: "demo-license"; gate: LicenseGateResult }
  | { type: "demo-verify" }
  | MetaDownloadEvent;

export interface DemoSummary {
  /** The license gate's result for the demo organisation. */
  license: LicenseGateResult;
  download: MetaDownloadSummary;
  /** `llamagate verify` run over the downloaded folder afterwards (every checklist line re-hashed from disk). */
  verify: VerifyChecklistsResult;
  /** Requests the local CDN served (no query strings). */
  requests: CdnRequestRecord[];
  /** Whether the download folder was temporary and has been removed. */
  removed: boolean;
}

/**
 * The built-in demo: generate a small release in Meta's layout, serve it from a local signed-URL CDN on
 * 127.0.0.1 (HMAC-signed policy, expiry, Range), and run the real download + verification path against it.
 */
export async function* runDemoIter(params: RunDemoParams = {}): AsyncGenerator<DemoEvent, DemoSummary> {
  const model = findModel({ name: params.model ?? "llama-2-7b" });
  const work = await mkdtemp(join(tmpdir(), "llamagate-demo-"));
  const root = join(work, "cdn");
  const dir = params.dir === undefined ? join(work, "download") : resolve(params.dir);
  const release = await generateMetaRelease({ root, models: [model], shardBytes: params.shardBytes ?? 4 << 20 });
  const firstShard = `${model.meta!.folder}/consolidated.00.pth`;
  const cdn = await serveSignedCdn({
    root,
    secret: randomBytes(32).toString("hex"),
    keyPairId: "KDEMO0LLAMAGATE",
    faultFor: ({ path, count, method }) =>
      params.showResume && method === "GET" && path === firstShard && count === 0
        ? { kind: "drop", afterBytes: Math.floor(release.files[firstShard]! / 2) }
        : undefined,
  });
  try {
    const expiresAt = new Date(Date.now() + 24 * 3600 * 1000);
    yield { type: "demo-release", files: Object.keys(release.files).length, bytes: release.totalBytes, origin: cdn.origin, expiresAt, dir };
    // The real license gate, for a declared small organisation; its audit log stays in the demo's work folder.
    const gate = await licenseGate({
      model,
      mau: DEMO_ORG_MAU,
      acceptLicense: true,
      auditLogPath: join(work, "license-audit.jsonl"),
      command: "demo",
      signal: params.signal,
    });
    yield { type: "demo-license", gate };
    const download = yield* downloadMetaIter({
      url: cdn.signUrl({ expiresAt }),
      // The stand-in shards are small: check space for them, not for the real model's size.
      weightBytes: release.totalBytes,
      models: [model],
      dir,
      signal: params.signal,
      retry: { attempts: 5, baseMs: 200, maxMs: 2000 },
    });
    yield { type: "demo-verify" };
    const verify = await verifyChecklists({ dir, signal: params.signal });
    return { license: gate, download, verify, requests: cdn.requests, removed: params.dir === undefined };
  } finally {
    await cdn.close();
    await rm(params.dir === undefined ? work : root, { recursive: true, force: true });
    if (params.dir !== undefined) await rm(work, { recursive: true, force: true });
  }
}
