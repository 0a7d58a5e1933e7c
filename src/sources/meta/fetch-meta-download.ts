import { lstat, stat, unlink } from "node:fs/promises";
import { ensureDirInside } from "../../core/fs/ensure-dir-inside.js";
import { FileTooLargeError } from "../../download/errors.js";
import { acquireLockEvents } from "../../download/acquire-lock-events.js";
import { DEFAULT_LOCK_WAIT_MS } from "../../download/download-files.js";
import { runEngine } from "../../download/run-engine.js";
import type { DownloadSummary, HttpErrorInfo, TransferFile } from "../../download/types.js";
import { removeVerifiedSidecar } from "../../download/verified-sidecar.js";
import { checkMetaUrlExpiry } from "./check-meta-url-expiry.js";
import { classifyMetaResponse } from "./classify-meta-response.js";
import type { MetaDownloadEvent, MetaDownloadSummary } from "./download-meta.js";
import { metaFileUrl } from "./meta-file-url.js";
import type { MetaDownloadPlan } from "./plan-meta-download.js";
import { probeMetaFileSize } from "./probe-meta-file-size.js";
import { MAX_CHECKLIST_BYTES, readMd5Checklist } from "../../verify/read-md5-checklist.js";
import { ChecklistError } from "../../verify/errors.js";
import { engineOptionsOf } from "../../download/engine-options-of.js";

/** Default files fetched at once: one connection per file of the release, up to this cap. */
const META_MAX_CONCURRENCY = 8;

/**
 * The Meta source's fetch, from its plan: under the release folder's lock, the checklists come first, then every
 * other file is downloaded with its checklist md5 as the expected hash, computed while it arrives; the link's
 * expiry is checked again between the two.
 */
export async function* fetchMetaDownloadIter(
  metaPlan: MetaDownloadPlan,
): AsyncGenerator<MetaDownloadEvent, MetaDownloadSummary> {
  const { started } = metaPlan;
  const { params, now, dir, signedUrl, plan } = metaPlan.checked;
  const remoteOf = new Map(plan.files.map((f) => [f.path, f.remotePath]));
  await ensureDirInside({ root: dir, dir });
  const lock = yield* acquireLockEvents({
    dir,
    waitMs: params.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
    signal: params.signal,
  });
  try {
    const common = {
      // One connection per file of the release (the engine caps it at the number of files), at most 8.
      ...engineOptionsOf(params), // its lockWaitMs is unused: the release lock is taken above (lockDir false)
      concurrency: params.concurrency ?? META_MAX_CONCURRENCY,
      lockDir: false as const,
      root: dir,
      classifyHttpError: (info: HttpErrorInfo) =>
        classifyMetaResponse({
          ...info,
          displayName: info.file.displayName,
          expiresAt: signedUrl.expiresAt,
          now: now(),
        }),
    };
    const transfer = (path: string, destPath: string, md5?: string, checklist = false): TransferFile => ({
      url: metaFileUrl({ signedUrl, path: remoteOf.get(path) ?? path }),
      destPath,
      displayName: path,
      hashAlgorithms: ["md5"],
      // sha256 beside md5 in the same read: a signature of the download (--sign-key) reuses it from the sidecar.
      // A file finished by an older version is not read again for it (signing then hashes it).
      hashWhileArriving: ["sha256"],
      allowParts: (params.partsPerFile ?? 1) > 1,
      ...(md5 ? { expectedHash: { algorithm: "md5" as const, hex: md5 } } : {}),
      // A checklist is read no further than its cap (an endless one is not downloaded), and kept nowhere.
      ...(checklist
        ? {
            maxBytes: MAX_CHECKLIST_BYTES,
            tooLarge: (atLeast: number) =>
              new FileTooLargeError(
                "CHECKLIST_TOO_LARGE",
                `${path} is at least ${atLeast} bytes; an md5 checklist is a few hundred (at most ${MAX_CHECKLIST_BYTES} accepted). Nothing of it was kept.`,
                { details: { checklist: path, atLeast, maxBytes: MAX_CHECKLIST_BYTES } },
              ),
          }
        : {}),
    });

    yield { type: "meta-phase", phase: "checklists" };
    const first = yield* runEngine({
      ...common,
      files: plan.checklists.map((c) => transfer(c.path, c.destPath, undefined, true)),
    });

    const md5 = new Map<string, string>();
    for (const c of plan.checklists) {
      let entries: Awaited<ReturnType<typeof readMd5Checklist>>;
      try {
        entries = await readMd5Checklist({ path: c.destPath, name: c.path });
      } catch (e) {
        // Do not keep an unusable checklist (as "complete" or at all): the next run must fetch it again.
        if (e instanceof ChecklistError) {
          await removeRegularFile(c.destPath);
          await removeVerifiedSidecar(c.destPath).catch(() => {});
        }
        throw e;
      }
      for (const entry of entries) md5.set(c.folder ? `${c.folder}/${entry.path}` : entry.path, entry.md5);
    }
    const rest = plan.files.filter((f) => f.kind !== "checklist");
    const unlisted = rest.filter((f) => f.checklist !== undefined && !md5.has(f.path)).map((f) => f.path);
    if (unlisted.length > 0) yield { type: "meta-unlisted", files: unlisted };

    // The link may have run out while the checklists came (or between a Ctrl-C and now): say so before asking.
    checkMetaUrlExpiry({ signedUrl, now: now() });
    yield { type: "meta-phase", phase: "files" };
    const weightFiles = rest.map((f) => transfer(f.path, f.destPath, f.checklist ? md5.get(f.path) : undefined));
    if ((params.partsPerFile ?? 1) > 1) {
      // Parts need the size up front; only the shards are big enough to split, so only they are probed.
      for (const [i, f] of rest.entries()) {
        if (f.kind !== "weights" || (await isComplete(f.destPath))) continue;
        const size = await probeMetaFileSize({
          url: weightFiles[i]!.url,
          dispatcher: params.dispatcher,
          signal: params.signal,
        });
        if (size !== undefined) weightFiles[i]!.expectedSize = size;
      }
    }
    const second = yield* runEngine({ ...common, files: weightFiles });
    // Report in download.sh's order, whatever order the transfers finished in.
    const order = new Map(plan.files.map((f, i) => [f.path, i]));
    const files = [...first.files, ...second.files].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
    return {
      dir,
      layout: plan.layout,
      models: [...new Set(params.models.map((m) => m.name))],
      expiresAt: signedUrl.expiresAt,
      files,
      verified: files.filter((f) => f.verified).length,
      totals: sumTotals(first.totals, second.totals),
      seconds: (Date.now() - started) / 1000,
      retries: first.retries + second.retries,
    };
  } finally {
    await lock.release();
  }
}

/** A file already in place under its final name needs no probe (the engine checks it against its md5). */
async function isComplete(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

function sumTotals(a: DownloadSummary["totals"], b: DownloadSummary["totals"]): DownloadSummary["totals"] {
  return {
    files: a.files + b.files,
    skipped: a.skipped + b.skipped,
    bytes: a.bytes + b.bytes,
    bytesTransferred: a.bytesTransferred + b.bytesTransferred,
    bytesReused: a.bytesReused + b.bytesReused,
    retries: a.retries + b.retries,
  };
}

/** Delete a file we downloaded (a regular file only: a planted link is not ours to follow or remove). */
async function removeRegularFile(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (st?.isFile()) await unlink(path).catch(() => {});
}
