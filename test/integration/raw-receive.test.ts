import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDispatcher } from "../../src/core/http/create-dispatcher.js";
import { sendRequest, type HttpResponse } from "../../src/core/http/send-request.js";

// The raw receive path (sendRequest's rawBody over a direct dispatcher) against servers that write their
// answers byte by byte: every framing HTTP/1.1 allows, answers cut short or malformed, and TLS.

const BIG = randomBytes(20 << 20);
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const direct = createDispatcher({ env: {} });
let answer: (socket: Socket, request: string) => void = () => {};
let plain: Server;
let origin: string;
let requests: string[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  plain = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let head = "";
    socket.on("data", (d) => {
      head += d.toString("latin1");
      if (head.includes("\r\n\r\n")) {
        requests.push(head);
        answer(socket, head);
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
});
afterEach(() => {
  requests = [];
});
afterAll(async () => {
  await direct.close();
  for (const s of sockets) s.destroy();
  await new Promise((r) => plain.close(r));
});

const get = (path = "/f", extra: Partial<Parameters<typeof sendRequest>[0]> = {}) =>
  sendRequest({ url: origin + path, dispatcher: direct, rawBody: true, ...extra });

/** Write `parts` with a pause between them, so the client sees them in separate reads. */
async function dribble(socket: Socket, parts: (string | Buffer)[], end = true): Promise<void> {
  for (const p of parts) {
    socket.write(p);
    await new Promise((r) => setTimeout(r, 5));
  }
  if (end) socket.end();
}

async function bodyOf(r: HttpResponse): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r.body) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** The body through raw.read: pieces copied as they come (they are views of a reused buffer). */
function rawBodyOf(r: HttpResponse): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    r.raw!.read(
      (piece) => void parts.push(Buffer.from(piece)),
      () => resolve(Buffer.concat(parts)),
      reject,
    );
  });
}

describe("raw receive path: framing", () => {
  it("sends one GET with its headers and asks for the connection to be closed", async () => {
    answer = (s) => void s.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
    const r = await get("/f?Signature=x", { headers: { authorization: "Bearer t" }, range: { start: 0 } });
    expect(r.raw).toBeDefined();
    expect((await bodyOf(r)).toString()).toBe("ok");
    expect(requests).toHaveLength(1);
    const lines = requests[0]!.split("\r\n");
    expect(lines[0]).toBe("GET /f?Signature=x HTTP/1.1");
    expect(lines).toEqual(
      expect.arrayContaining([
        `host: ${new URL(origin).host}`,
        "connection: close",
        "accept-encoding: identity",
        "authorization: Bearer t",
        "range: bytes=0-",
      ]),
    );
  });

  it("decodes a chunked body cut at odd places, with extensions and a trailer", async () => {
    answer = (s) =>
      void dribble(s, [
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhel",
        "lo\r\n",
        "6\r",
        "\n world\r\n0\r\nx-trailer: 1\r\n",
        "\r\n",
      ]);
    const r = await get();
    expect(r.status).toBe(200);
    expect(r.raw!.contentLength).toBeUndefined();
    expect((await rawBodyOf(r)).toString()).toBe("hello world");
    const again = await get();
    expect((await bodyOf(again)).toString()).toBe("hello world");
  });

  it("reads a body framed by the connection's close, and skips an interim 100 Continue", async () => {
    answer = (s) => void dribble(s, ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nabc", "def"]);
    const r = await get();
    expect(r.status).toBe(200);
    expect((await rawBodyOf(r)).toString()).toBe("abcdef");
  });

  it("takes exactly Content-Length bytes, even when the server sends more", async () => {
    answer = (s) => void s.end("HTTP/1.1 206 Partial Content\r\ncontent-length: 3\r\n\r\nabcEXTRA");
    const r = await get();
    expect(r.status).toBe(206);
    expect((await rawBodyOf(r)).toString()).toBe("abc");
  });

  it("ends an empty body at once (204, Content-Length 0)", async () => {
    answer = (s) => void s.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"); // the server keeps it open
    expect((await rawBodyOf(await get())).length).toBe(0);
    answer = (s) => void s.write("HTTP/1.1 204 No Content\r\n\r\n");
    expect((await bodyOf(await get())).length).toBe(0);
  });

  it("reports a body cut short as the server closing the connection (the bytes before it delivered)", async () => {
    answer = (s) => void dribble(s, ["HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n", "abcd"]);
    const r = await get();
    const got: string[] = [];
    const err = await new Promise<unknown>((resolve) =>
      r.raw!.read(
        (p) => void got.push(p.toString()),
        () => resolve(undefined),
        resolve,
      ),
    );
    expect(got.join("")).toBe("abcd");
    expect(err).toMatchObject({ code: "UND_ERR_SOCKET" });
  });

  it("refuses a malformed chunked body, an unknown transfer coding, a doubled length and an oversized head", async () => {
    answer = (s) => void dribble(s, ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"], false);
    await expect(rawBodyOf(await get())).rejects.toMatchObject({ code: "HPE_INVALID_CHUNK_SIZE" });
    answer = (s) => void s.end("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n");
    await expect(get()).rejects.toMatchObject({ code: "HPE_INVALID_TRANSFER_ENCODING" });
    answer = (s) => void s.end("HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd");
    await expect(get()).rejects.toMatchObject({ code: "HPE_INVALID_CONTENT_LENGTH" });
    answer = (s) => void s.end(`HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(70_000)}\r\n\r\n`);
    await expect(get()).rejects.toMatchObject({ code: "UND_ERR_HEADERS_OVERFLOW" });
    answer = (s) => void s.end("SSH-2.0-OpenSSH\r\n\r\n");
    await expect(get()).rejects.toMatchObject({ code: "HPE_INVALID_CONSTANT" });
  });

  it("never sends a header that would split the request", async () => {
    await expect(get("/f", { headers: { "x-a": "1\r\nx-injected: 2" } })).rejects.toMatchObject({
      code: "UND_ERR_INVALID_ARG",
    });
    expect(requests).toEqual([]);
  });

  it("stops on abort, in the head and in the body, and on a head that never comes", async () => {
    answer = () => {}; // never answers
    const ac = new AbortController();
    const pending = get("/f", { signal: ac.signal });
    setTimeout(() => ac.abort(new Error("stop")), 20);
    await expect(pending).rejects.toThrow("stop");
    await expect(get("/f", { headersTimeoutMs: 50 })).rejects.toMatchObject({ code: "UND_ERR_HEADERS_TIMEOUT" });

    answer = (s) => void s.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nab");
    const body = new AbortController();
    const r = await get("/f", { signal: body.signal });
    const err = new Promise<unknown>((resolve) =>
      r.raw!.read(
        () => body.abort(new Error("enough")),
        () => resolve("ended"),
        resolve,
      ),
    );
    await expect(err).resolves.toMatchObject({ message: "enough" });
  });

  it("pauses while the reader asks it to and resumes without losing a byte", async () => {
    const big = Buffer.alloc(3 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 12)) & 0xff;
    answer = (s) =>
      void s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${big.length}\r\n\r\n`), big]));
    const r = await get();
    const parts: Buffer[] = [];
    await new Promise<void>((resolve, reject) =>
      r.raw!.read(
        (piece) => {
          parts.push(Buffer.from(piece));
          setTimeout(() => r.raw!.resume(), 1);
          return false;
        },
        resolve,
        reject,
      ),
    );
    expect(Buffer.concat(parts).equals(big)).toBe(true);
  });
});

describe("raw receive path: TLS", () => {
  let tls: HttpsServer;
  let port: number;
  beforeAll(async () => {
    tls = createHttpsServer(
      { key: readFileSync(fixture("localhost-key.pem")), cert: readFileSync(fixture("localhost-cert.pem")) },
      (req, res) => {
        if (req.url !== "/big") return res.writeHead(200, { "content-length": "6" }).end("secret");
        // 20 MiB with ranges: a bulk body, read straight into the receiving pump's memory.
        const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
        const start = m ? Number(m[1]) : 0;
        const end = m && m[2] ? Number(m[2]) : BIG.length - 1;
        res.writeHead(m ? 206 : 200, {
          "content-length": String(end - start + 1),
          ...(m ? { "content-range": `bytes ${start}-${end}/${BIG.length}` } : {}),
        });
        res.end(BIG.subarray(start, end + 1));
      },
    );
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    port = (tls.address() as { port: number }).port;
  });
  afterAll(() => new Promise((r) => tls.close(r)));

  it("refuses a certificate the system does not trust", async () => {
    await expect(
      sendRequest({ url: `https://localhost:${port}/f`, dispatcher: direct, rawBody: true }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/) });
  });

  it("reads over TLS with the roots NODE_EXTRA_CA_CERTS adds, by host name and by address", async () => {
    const dist = (p: string) => JSON.stringify(new URL(`../../dist/core/http/${p}`, import.meta.url).href);
    const script = `
      const { createDispatcher } = await import(${dist("create-dispatcher.js")});
      const { sendRequest } = await import(${dist("send-request.js")});
      const d = createDispatcher({ env: {} });
      for (const host of ["localhost", "127.0.0.1"]) {
        const r = await sendRequest({ url: "https://" + host + ":${port}/f", dispatcher: d, rawBody: true });
        let s = "";
        for await (const c of r.body) s += c;
        console.log(host, r.raw ? "raw" : "undici", r.status, s);
      }
      await d.close();`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: fixture("localhost-cert.pem") },
    });
    expect(stdout.trim().split("\n")).toEqual(["localhost raw 200 secret", "127.0.0.1 raw 200 secret"]);
  });

  it("downloads a bulk body over TLS byte for byte, in one stream and in 4 parts", async () => {
    const engine = JSON.stringify(new URL("../../dist/download/download-files.js", import.meta.url).href);
    const md5 = createHash("md5").update(BIG).digest("hex");
    const script = `
      const { downloadFiles } = await import(${engine});
      const { mkdtempSync, readFileSync } = await import("node:fs");
      const { createHash } = await import("node:crypto");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      for (const parts of [1, 4]) {
        const dir = mkdtempSync(join(tmpdir(), "lg-raw-tls-"));
        const s = await downloadFiles({
          rawBodyMinBytes: 0, partsPerFile: parts, partMinBytes: 4 << 20,
          files: [{ url: "https://localhost:${port}/big", destPath: join(dir, "big"), displayName: "big",
            expectedSize: ${BIG.length}, expectedHash: { algorithm: "md5", hex: "${md5}" } }],
        });
        const got = createHash("md5").update(readFileSync(join(dir, "big"))).digest("hex");
        console.log(parts, s.files[0].verified, got);
      }`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: fixture("localhost-cert.pem") },
    });
    expect(stdout.trim().split("\n")).toEqual([`1 true ${md5}`, `4 true ${md5}`]);
  });
});
