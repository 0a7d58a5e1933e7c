import { createReadStream } from "node:fs";
import { mkdir, readFile, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { InterruptedError } from "../../core/errors.js";
import { writeFileAtomic } from "../../core/fs/write-file-atomic.js";
import type { RegistryResponse, RegistrySession } from "./create-registry-session.js";
import { RegistryProtocolError } from "./errors.js";
import { registryFailure } from "./registry-failure.js";

/** How a blob reached the registry. */
export type BlobPushMode = "exists" | "monolithic" | "chunked";

export interface PushBlobResult {
  digest: string;
  mode: BlobPushMode;
  /** Bytes of the blob the registry already had from an earlier, interrupted upload. */
  resumedFrom: number;
  /** Body bytes sent in this run. */
  bytesSent: number;
}

export interface PushBlobParams {
  session: RegistrySession;
  /** "sha256:<hex>". */
  digest: string;
  size: number;
  /** The bytes: a file path (read in ranges) or a small buffer. */
  source: { path: string } | { bytes: Buffer };
  /** Blobs larger than this go up in PATCH chunks of this size. @default 64 MiB */
  chunkSize?: number;
  /** Never PATCH: one PUT per blob (registries that refuse chunks). @default false */
  monolithic?: boolean;
  /**
   * Folder for upload-session state (`<hex>.json`: the upload location and the bytes the registry
   * confirmed), so a later run resumes a chunked upload. Without it an interrupted upload restarts.
   */
  stateDir?: string;
  /** Called as body bytes go out, with the blob offset reached. */
  onProgress?: (offset: number) => void;
  /** Called when an upload continues from an earlier session, or restarts. */
  onNote?: (note: { kind: "resumed" | "restarted" | "fallback-monolithic"; offset: number; reason?: string }) => void;
  signal?: AbortSignal;
}

interface UploadState {
  digest: string;
  location: string;
  offset: number;
}

/**
 * Upload one blob (OCI distribution-spec): HEAD first and skip it when the registry has it; small blobs
 * (or `monolithic`) as POST + PUT ?digest=; large ones as POST, PATCH chunks with Content-Range, PUT
 * ?digest=. After a broken chunk it asks the upload URL for the confirmed offset (GET, `Range: 0-N`) and
 * continues from there; a session the registry no longer knows restarts from byte 0. A registry that
 * refuses PATCH gets a monolithic PUT instead.
 */
export async function pushBlob(params: PushBlobParams): Promise<PushBlobResult> {
  const { session, digest, size, signal } = params;
  const repo = session.repository;
  const head = await session.request({ method: "HEAD", path: `/v2/${repo}/blobs/${digest}`, access: "push" });
  if (head.status !== 200 && head.status !== 404) throw registryFailure(head, `HEAD of blob ${short(digest)}`, session);
  if (head.status === 200) return { digest, mode: "exists", resumedFrom: size, bytesSent: 0 };

  const chunkSize = Math.max(1, params.chunkSize ?? 64 << 20);
  const statePath = params.stateDir ? join(params.stateDir, `${digest.slice(7)}.json`) : undefined;
  let bytesSent = 0;
  const body = (start: number, end: number): (() => Buffer | Readable) => {
    const src = params.source;
    return () => {
      if ("bytes" in src) return src.bytes.subarray(start, end);
      if (end <= start) return Buffer.alloc(0);
      let at = start;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          at += chunk.length;
          bytesSent += chunk.length;
          params.onProgress?.(at);
          cb(null, chunk);
        },
      });
      const file = createReadStream(src.path, { start, end: end - 1, highWaterMark: 1 << 20 });
      file.on("error", (e) => counter.destroy(e));
      return file.pipe(counter);
    };
  };

  const resumed = statePath ? await tryResume(statePath) : undefined;
  if (!resumed && (params.monolithic || size <= chunkSize)) {
    await monolithic();
    return { digest, mode: "monolithic", resumedFrom: 0, bytesSent };
  }
  let location = resumed?.location ?? (await startUpload());
  let offset = resumed?.offset ?? 0;
  const resumedFrom = offset;
  if (resumed) params.onNote?.({ kind: "resumed", offset });
  let failures = 0;
  while (offset < size) {
    if (signal?.aborted) throw new InterruptedError();
    const end = Math.min(size, offset + chunkSize);
    let r: RegistryResponse;
    try {
      r = await session.request({
        method: "PATCH",
        path: location,
        access: "push",
        headers: {
          "content-type": "application/octet-stream",
          "content-range": `${offset}-${end - 1}`,
          "content-length": String(end - offset),
        },
        body: body(offset, end),
      });
    } catch (e) {
      if (signal?.aborted || !(e instanceof RegistryProtocolError) || ++failures > 5) throw e;
      const status = await uploadStatus(location);
      if (!("gone" in status)) ({ location, offset } = status);
      else {
        params.onNote?.({
          kind: "restarted",
          offset: 0,
          reason: `the registry lost the upload session (${status.gone})`,
        });
        location = await startUpload();
        offset = 0;
      }
      await saveState(location, offset);
      continue;
    }
    if (r.status !== 202) {
      // First chunk refused (405, 404, 416, 413...): a registry without chunked uploads. Use one PUT.
      if (offset === 0 && r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 403) {
        params.onNote?.({ kind: "fallback-monolithic", offset: 0, reason: `PATCH answered HTTP ${r.status}` });
        await monolithic();
        await clearState();
        return { digest, mode: "monolithic", resumedFrom: 0, bytesSent };
      }
      throw registryFailure(r, `upload of blob ${short(digest)}`, session);
    }
    location = resolveLocation(r, location);
    offset = confirmedEnd(r) ?? end;
    await saveState(location, offset);
  }
  await finish(location, Buffer.alloc(0));
  await clearState();
  return { digest, mode: "chunked", resumedFrom, bytesSent };

  async function startUpload(): Promise<string> {
    const r = await session.request({
      method: "POST",
      path: `/v2/${repo}/blobs/uploads/`,
      access: "push",
      headers: { "content-length": "0" },
    });
    if (r.status !== 202 || !r.headers.location)
      throw registryFailure(r, `start of the upload of blob ${short(digest)}`, session);
    return resolveLocation(r, `${session.baseUrl}/v2/${repo}/blobs/uploads/`);
  }

  async function monolithic(): Promise<void> {
    const location = await startUpload();
    await finish(location, undefined);
  }

  /** PUT <location>?digest= with the whole blob (body undefined) or an empty body after the chunks. */
  async function finish(location: string, empty: Buffer | undefined): Promise<void> {
    const u = new URL(location);
    u.searchParams.set("digest", digest);
    const r = await session.request({
      method: "PUT",
      path: u.toString(),
      access: "push",
      headers: { "content-type": "application/octet-stream", "content-length": String(empty ? 0 : size) },
      body: empty ? () => empty : body(0, size),
    });
    if (r.status !== 201 && r.status !== 204) throw registryFailure(r, `completion of blob ${short(digest)}`, session);
  }

  /**
   * Ask the registry how much of the upload it holds (its upload status: `Range: 0-N`); `gone` says why it
   * cannot continue that upload (CNCF distribution cancels one whose last chunk arrived cut: "upload resumed at
   * wrong offset").
   */
  async function uploadStatus(location: string): Promise<{ location: string; offset: number } | { gone: string }> {
    try {
      const r = await session.request({ method: "GET", path: location, access: "push" });
      if (r.status !== 204 && r.status !== 202) {
        const code = registryErrorCode(r);
        return { gone: `its upload status answered HTTP ${r.status}${code ? ` ${code}` : ""}` };
      }
      return { location: resolveLocation(r, location), offset: confirmedEnd(r) ?? 0 };
    } catch (e) {
      if (signal?.aborted) throw e;
      return { gone: "its upload status could not be read" };
    }
  }

  async function tryResume(path: string): Promise<UploadState | undefined> {
    let s: UploadState;
    try {
      s = JSON.parse(await readFile(path, "utf8")) as UploadState;
    } catch {
      return undefined;
    }
    if (s.digest !== digest || typeof s.location !== "string") return undefined;
    const status = await uploadStatus(s.location);
    if ("gone" in status || status.offset > size) {
      const why =
        "gone" in status
          ? `the registry no longer accepts the interrupted upload (${status.gone})`
          : `the registry reports more bytes (${status.offset}) than the file has`;
      params.onNote?.({ kind: "restarted", offset: 0, reason: why });
      await clearState();
      return undefined;
    }
    return { digest, ...status };
  }

  async function saveState(location: string, offset: number): Promise<void> {
    if (!statePath) return;
    await mkdir(dirname(statePath), { recursive: true, mode: 0o700 });
    // The one atomic writer (unpredictable temporary name, O_EXCL | O_NOFOLLOW), never a predictable `.tmp`.
    const data = JSON.stringify({ digest, location, offset } satisfies UploadState);
    await writeFileAtomic({ path: statePath, data, mode: 0o600, sync: false });
  }

  async function clearState(): Promise<void> {
    if (statePath) await unlink(statePath).catch(() => {});
  }
}

function resolveLocation(r: RegistryResponse, base: string): string {
  const loc = r.headers.location;
  const v = Array.isArray(loc) ? loc[0] : loc;
  return v ? new URL(v, base).toString() : base;
}

/** The offset after the last byte the registry confirmed (`Range: 0-N` → N+1; "0-0" with nothing → 0). */
function confirmedEnd(r: RegistryResponse): number | undefined {
  const raw = r.headers.range;
  const v = Array.isArray(raw) ? raw[0] : raw;
  const m = v ? /^(?:bytes=)?0-(\d+)$/.exec(v.trim()) : null;
  if (!m) return undefined;
  const n = Number(m[1]);
  // distribution answers "0-0" for an empty upload and for a one-byte one: treat it as "nothing confirmed".
  if (n === 0) return undefined;
  return n + 1;
}

/** The registry's own error code from an error body (`{"errors":[{"code":"BLOB_UPLOAD_INVALID"}]}`), if any. */
function registryErrorCode(r: RegistryResponse): string | undefined {
  try {
    const code = (JSON.parse(r.body.subarray(0, 64 << 10).toString("utf8")) as { errors?: { code?: unknown }[] })
      .errors?.[0]?.code;
    return typeof code === "string" && /^[A-Z_]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

function short(digest: string): string {
  return digest.slice(0, 19);
}
