/**
 * A Xet storage (CAS) stand-in on 127.0.0.1, written from Hugging Face's protocol documents (hub-docs docs/xet:
 * download-protocol.md, api.md, xorb.md, auth.md), independently of llamagate's reader:
 * - files are cut into fixed-size chunks (the spec's chunker is content-defined; any chunking is valid for a reader),
 *   chunks are deduplicated by content across every file added (two files sharing bytes share chunks and xorbs);
 * - new chunks are packed into xorbs in the real serialized format: per chunk an 8-byte header (version 0,
 *   compressed length u24 LE, scheme, uncompressed length u24 LE) and the data, stored None / LZ4 (frame format, as
 *   xet-core's lz4_flex writes) / ByteGrouping4-LZ4 in rotation, so every scheme occurs even in random data;
 * - `GET /v2/reconstructions/{id}` (and the deprecated `/v1/`), bearer token, optional `Range: bytes=a-b`, answering
 *   terms trimmed to the chunks that hold the range with `offset_into_first_range`, and per xorb one signed URL
 *   (`X-Xet-Signed-Range`, `Expires`, `Signature`) holding all its ranges (or one URL per range);
 * - `GET /xorbs/default/{hash}?…` checks the signature, the expiry and that the Range asked for lies inside the
 *   signed ranges; several ranges get a `multipart/byteranges` answer.
 * Ids are opaque 64-hex strings (sha256 of the content), not the spec's keyed BLAKE3 Merkle hashes: readers
 * (llamagate, @huggingface/hub) never recompute them. Faults are injectable; every request is logged.
 * Test code only.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { compressFrameSync } from "lz4-napi";
import { listenLocal } from "./server-base.js";

export interface XetRequest {
  kind: "reconstruction" | "xorb" | "other";
  method: string;
  /** Path without the query. */
  path: string;
  /** The full URL path with its query (signed URLs: for secret-leak checks). */
  url: string;
  /** "v1" or "v2" for reconstructions. */
  version?: string;
  /** Xorb hash for xorb requests, file id for reconstructions. */
  id?: string;
  range?: string;
  authorization?: string;
  status?: number;
  /** Body bytes sent. */
  sent?: number;
  /** The client's port (a proxy's upstream connection when one is used). */
  remotePort?: number;
}

export interface XetFaults {
  /** Answer the next N reconstruction requests with 503. */
  reconstruction503?: number;
  /** Send this Retry-After with those 503s (e.g. "0": the client retries at its shortest delay, no backoff). */
  reconstruction503RetryAfter?: string;
  /** /v2/ is not served (404): clients must fall back to /v1/. */
  noV2?: boolean;
  /** One signed URL per range instead of one per xorb (no multi-range requests). */
  singleRangeUrls?: boolean;
  /** The next N xorb GETs send half their body, then the connection is destroyed. */
  dropXorb?: number;
  /** Xorb GETs of these xorb hashes send their headers and then nothing (the connection stays open). */
  stallXorbs?: string[];
  /**
   * The first reconstruction request makes every token issued so far expired (401 to it and later uses), like a
   * token whose `exp` passed mid-run; tokens issued afterwards work.
   */
  expireNextToken?: boolean;
  /** The first xorb GET makes every signed URL issued so far expired (403), like URLs that outlived a slow run. */
  expireUrlsAtFirstUse?: boolean;
  /** Serve chunk `chunk` of xorb `xorb` damaged: "header" (its uncompressed length +1) or "data" (a flipped byte). */
  corruptChunk?: { xorb: string; chunk: number; kind: "header" | "data" };
}

export interface XetServer {
  /** Base URL of the CAS API (what the token reply's casUrl says). */
  casUrl: string;
  requests: XetRequest[];
  faults: XetFaults;
  /** Chunk, compress and store a file; returns its id (the X-Xet-Hash). Shared chunks are stored once. */
  addFile(content: Buffer): string;
  /** The xorbs a file's terms use, in order of first use. */
  xorbsOf(fileId: string): string[];
  /** How many chunks of each compression scheme are stored: [none, lz4, bg4]. */
  schemeCounts(): [number, number, number];
  /** A read token as the Hub's xet-read-token route hands it out. */
  issueToken(): { accessToken: string; exp: number; casUrl: string };
  close(): Promise<void>;
}

interface StoredXorb {
  hash: string;
  data: Buffer;
  /** Byte offset of each chunk, and the end: chunk i is [offsets[i], offsets[i+1]). */
  offsets: number[];
  /** Uncompressed length of each chunk. */
  lengths: number[];
}

interface ChunkRef {
  xorb: StoredXorb;
  index: number;
  length: number;
}

export async function startXetServer(
  opts: {
    /** Bytes per chunk. @default 16 KiB */
    chunkBytes?: number;
    /** Chunks per xorb. @default 8 */
    chunksPerXorb?: number;
    /** Token lifetime in seconds. @default 3600 */
    tokenTtlSeconds?: number;
    faults?: XetFaults;
  } = {},
): Promise<XetServer> {
  const chunkBytes = opts.chunkBytes ?? 16 << 10;
  const perXorb = opts.chunksPerXorb ?? 8;
  const faults: XetFaults = { ...opts.faults };
  const requests: XetRequest[] = [];
  const secret = randomBytes(16);
  const xorbs = new Map<string, StoredXorb>();
  const chunkIndex = new Map<string, ChunkRef>();
  const files = new Map<string, ChunkRef[]>();
  const tokens = new Map<string, { exp: number; serial: number }>();
  let tokenSerial = 0;
  let tokensExpiredUpTo = 0;
  let urlSerial = 0;
  let urlsExpiredUpTo = 0;
  const schemes: [number, number, number] = [0, 0, 0];
  let rotation = 0;

  const server = await listenLocal((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const entry: XetRequest = {
      kind: "other",
      method: req.method ?? "GET",
      path: url.pathname,
      url: req.url ?? "/",
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      remotePort: req.socket.remotePort,
    };
    requests.push(entry);
    res.on("finish", () => (entry.status = res.statusCode));
    try {
      const rec = /^\/(v1|v2)\/reconstructions\/([0-9a-f]{64})$/.exec(url.pathname);
      if (rec) {
        entry.kind = "reconstruction";
        entry.version = rec[1];
        entry.id = rec[2];
        return reconstruction(req, res, rec[1] as "v1" | "v2", rec[2]!);
      }
      const xo = /^\/xorbs\/default\/([0-9a-f]{64})$/.exec(url.pathname);
      if (xo) {
        entry.kind = "xorb";
        entry.id = xo[1];
        return serveXorb(req, res, xo[1]!, url, entry);
      }
      json(res, 404, { error: "not found" });
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  const casUrl = server.origin;

  function compress(raw: Buffer): { data: Buffer; scheme: 0 | 1 | 2 } {
    const scheme = (rotation++ % 3) as 0 | 1 | 2;
    schemes[scheme]++;
    if (scheme === 0) return { data: raw, scheme };
    if (scheme === 1) return { data: compressFrameSync(raw), scheme };
    // ByteGrouping4: all bytes at position 0 mod 4, then 1, 2, 3 (hub-docs xorb.md), then LZ4.
    const grouped = Buffer.allocUnsafe(raw.length);
    let o = 0;
    for (let g = 0; g < 4; g++) for (let i = g; i < raw.length; i += 4) grouped[o++] = raw[i]!;
    return { data: compressFrameSync(grouped), scheme };
  }

  function addFile(content: Buffer): string {
    const id = createHash("sha256").update("xet-file\0").update(content).digest("hex");
    if (files.has(id)) return id;
    let pending: { raw: Buffer; key: string }[] = [];
    const seal = () => {
      if (!pending.length) return;
      const parts: Buffer[] = [];
      const offsets = [0];
      const lengths: number[] = [];
      for (const c of pending) {
        const { data, scheme } = compress(c.raw);
        const header = Buffer.alloc(8);
        header[0] = 0;
        header.writeUIntLE(data.length, 1, 3);
        header[4] = scheme;
        header.writeUIntLE(c.raw.length, 5, 3);
        parts.push(header, data);
        offsets.push(offsets[offsets.length - 1]! + 8 + data.length);
        lengths.push(c.raw.length);
      }
      const data = Buffer.concat(parts);
      const hash = createHash("sha256").update(data).digest("hex");
      const x: StoredXorb = { hash, data, offsets, lengths };
      xorbs.set(hash, x);
      pending.forEach((c, index) => chunkIndex.set(c.key, { xorb: x, index, length: c.raw.length }));
      pending = [];
    };
    const keys: string[] = [];
    const queued = new Set<string>();
    for (let at = 0; at < content.length; at += chunkBytes) {
      const raw = content.subarray(at, Math.min(content.length, at + chunkBytes));
      const key = createHash("sha256").update(raw).digest("hex");
      keys.push(key);
      if (chunkIndex.has(key) || queued.has(key)) continue; // deduplicated: stored once
      queued.add(key);
      pending.push({ raw: Buffer.from(raw), key });
      if (pending.length >= perXorb) seal();
    }
    seal();
    const refs = keys.map((k) => chunkIndex.get(k)!);
    files.set(id, refs);
    return id;
  }

  /** Consecutive chunks of one xorb with consecutive indices make one term. */
  function termsOf(refs: ChunkRef[]) {
    const terms: { xorb: StoredXorb; start: number; end: number; unpacked: number }[] = [];
    for (const r of refs) {
      const last = terms[terms.length - 1];
      if (last && last.xorb === r.xorb && last.end === r.index) {
        last.end++;
        last.unpacked += r.length;
      } else terms.push({ xorb: r.xorb, start: r.index, end: r.index + 1, unpacked: r.length });
    }
    return terms;
  }

  function sign(hash: string, ranges: [number, number][]): string {
    const signedRange = `bytes=${ranges.map(([a, b]) => `${a}-${b}`).join(",")}`;
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const issued = ++urlSerial;
    const sig = createHmac("sha256", secret).update(`${hash}|${signedRange}|${expires}|${issued}`).digest("hex");
    return `${casUrl}/xorbs/default/${hash}?X-Xet-Signed-Range=${encodeURIComponent(signedRange)}&Expires=${expires}&Issued=${issued}&Signature=${sig}`;
  }

  function tokenOk(req: IncomingMessage, res: ServerResponse): boolean {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const t = m ? tokens.get(m[1]!) : undefined;
    if (!t) return (void json(res, 401, { error: "invalid token" }), false);
    if (faults.expireNextToken) {
      faults.expireNextToken = false;
      tokensExpiredUpTo = tokenSerial;
    }
    if (t.exp * 1000 <= Date.now() || t.serial <= tokensExpiredUpTo)
      return (void json(res, 401, { error: "token expired" }), false);
    return true;
  }

  function reconstruction(req: IncomingMessage, res: ServerResponse, version: "v1" | "v2", id: string): void {
    if (version === "v2" && faults.noV2) return json(res, 404, { error: "not found" });
    if (faults.reconstruction503 && faults.reconstruction503 > 0) {
      faults.reconstruction503--;
      const retryAfter = faults.reconstruction503RetryAfter;
      return json(
        res,
        503,
        { error: "service unavailable" },
        retryAfter === undefined ? {} : { "retry-after": retryAfter },
      );
    }
    if (!tokenOk(req, res)) return;
    const refs = files.get(id);
    if (!refs) return json(res, 404, { error: "file not found" });
    const size = refs.reduce((s, r) => s + r.length, 0);
    let start = 0;
    let end = size - 1;
    const rh = req.headers.range;
    if (rh) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(rh);
      if (!m) return json(res, 400, { error: "bad range" });
      start = Number(m[1]);
      if (m[2]) end = Math.min(end, Number(m[2]));
      if (start >= size) return json(res, 416, { error: "range not satisfiable" });
    }
    // The chunks holding [start, end].
    let at = 0;
    let first = -1;
    let last = -1;
    let firstAt = 0;
    refs.forEach((r, i) => {
      if (first < 0 && at + r.length > start) [first, firstAt] = [i, at];
      if (at <= end) last = i;
      at += r.length;
    });
    const terms = termsOf(refs.slice(first, last + 1));
    const needed = new Map<StoredXorb, [number, number][]>();
    for (const t of terms) {
      const list = needed.get(t.xorb) ?? [];
      list.push([t.start, t.end]);
      needed.set(t.xorb, list);
    }
    const body: Record<string, unknown> = {
      offset_into_first_range: start - firstAt,
      terms: terms.map((t) => ({
        hash: t.xorb.hash,
        unpacked_length: t.unpacked,
        range: { start: t.start, end: t.end },
      })),
    };
    const merged = new Map<StoredXorb, [number, number][]>();
    for (const [x, list] of needed) {
      const out: [number, number][] = [];
      for (const [a, b] of list.sort((p, q) => p[0] - q[0])) {
        const prev = out[out.length - 1];
        if (prev && a <= prev[1]) prev[1] = Math.max(prev[1], b);
        else out.push([a, b]);
      }
      merged.set(x, out);
    }
    const bytesOf = (x: StoredXorb, [a, b]: [number, number]): [number, number] => [x.offsets[a]!, x.offsets[b]! - 1];
    if (version === "v2") {
      const xorbsField: Record<string, unknown[]> = {};
      for (const [x, list] of merged) {
        const groups = faults.singleRangeUrls ? list.map((r) => [r]) : [list];
        xorbsField[x.hash] = groups.map((g) => ({
          url: sign(
            x.hash,
            g.map((r) => bytesOf(x, r)),
          ),
          ranges: g.map((r) => {
            const [bs, be] = bytesOf(x, r);
            return { chunks: { start: r[0], end: r[1] }, bytes: { start: bs, end: be } };
          }),
        }));
      }
      body.xorbs = xorbsField;
    } else {
      const info: Record<string, unknown[]> = {};
      for (const [x, list] of merged)
        info[x.hash] = list.map((r) => {
          const [bs, be] = bytesOf(x, r);
          return {
            range: { start: r[0], end: r[1] },
            url: sign(x.hash, [[bs, be]]),
            url_range: { start: bs, end: be },
          };
        });
      body.fetch_info = info;
    }
    json(res, 200, body);
  }

  function serveXorb(req: IncomingMessage, res: ServerResponse, hash: string, url: URL, entry: XetRequest): void {
    const x = xorbs.get(hash);
    const signedRange = url.searchParams.get("X-Xet-Signed-Range") ?? "";
    const expires = url.searchParams.get("Expires") ?? "";
    const issued = url.searchParams.get("Issued") ?? "";
    const sig = createHmac("sha256", secret).update(`${hash}|${signedRange}|${expires}|${issued}`).digest("hex");
    if (!x || sig !== url.searchParams.get("Signature") || req.headers.authorization)
      return void res.writeHead(403, { "content-type": "application/xml" }).end("<Error>AccessDenied</Error>");
    if (faults.expireUrlsAtFirstUse) {
      faults.expireUrlsAtFirstUse = false;
      urlsExpiredUpTo = urlSerial;
    }
    if (Number(expires) * 1000 < Date.now() || Number(issued) <= urlsExpiredUpTo)
      return void res.writeHead(403, { "content-type": "application/xml" }).end("<Error>Request has expired</Error>");
    const parse = (s: string) =>
      s
        .replace(/^bytes=/, "")
        .split(",")
        .map((r) => r.trim().split("-").map(Number) as [number, number]);
    const signed = parse(signedRange);
    const asked = req.headers.range ? parse(req.headers.range) : undefined;
    // A Range outside the signed set is an authorization failure (download-protocol.md).
    if (!asked || asked.some(([a, b]) => !(b >= a) || !signed.some(([s, e]) => a >= s && b <= e)))
      return void res.writeHead(403, { "content-type": "application/xml" }).end("<Error>Range not signed</Error>");
    let data = x.data;
    const c = faults.corruptChunk;
    if (c && c.xorb === hash && c.chunk < x.lengths.length) {
      data = Buffer.from(data);
      const off = x.offsets[c.chunk]!;
      if (c.kind === "header") data.writeUIntLE(x.lengths[c.chunk]! + 1, off + 5, 3);
      else data[off + 8 + Math.floor((x.offsets[c.chunk + 1]! - off - 8) / 2)]! ^= 0xff;
    }
    let status = 206;
    let headers: Record<string, string | number>;
    let body: Buffer;
    if (asked.length === 1) {
      const [a, b] = asked[0]!;
      body = data.subarray(a, b + 1);
      headers = { "content-type": "application/octet-stream", "content-range": `bytes ${a}-${b}/${data.length}` };
    } else {
      const boundary = `xet${randomBytes(8).toString("hex")}`;
      const parts: Buffer[] = [];
      for (const [a, b] of asked) {
        parts.push(
          Buffer.from(
            `\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${a}-${b}/${data.length}\r\n\r\n`,
          ),
          data.subarray(a, b + 1),
        );
      }
      parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
      body = Buffer.concat(parts);
      headers = { "content-type": `multipart/byteranges; boundary=${boundary}` };
    }
    if (faults.stallXorbs?.includes(hash)) {
      res.writeHead(status, { ...headers, "content-length": body.length });
      res.flushHeaders();
      return; // nothing more: the client's stall timeout or a kill ends it
    }
    if (faults.dropXorb && faults.dropXorb > 0) {
      faults.dropXorb--;
      res.writeHead(status, { ...headers, "content-length": body.length });
      const half = body.subarray(0, Math.floor(body.length / 2));
      entry.sent = half.length;
      res.write(half, () => res.socket?.destroy());
      return;
    }
    status = 206;
    entry.sent = body.length;
    res.writeHead(status, { ...headers, "content-length": body.length }).end(body);
  }

  return {
    casUrl,
    requests,
    faults,
    addFile,
    xorbsOf(fileId) {
      const out: string[] = [];
      for (const r of files.get(fileId) ?? []) if (!out.includes(r.xorb.hash)) out.push(r.xorb.hash);
      return out;
    },
    schemeCounts: () => [...schemes] as [number, number, number],
    issueToken() {
      const accessToken = `xet_${randomBytes(18).toString("hex")}`;
      const exp = Math.floor(Date.now() / 1000) + (opts.tokenTtlSeconds ?? 3600);
      tokens.set(accessToken, { exp, serial: ++tokenSerial });
      return { accessToken, exp, casUrl };
    },
    close: () => server.close(),
  };
}

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(value));
}
