/** The bearer-token flow of createRegistrySession against a small registry + token service on 127.0.0.1. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "undici";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createRegistrySession } from "../../../src/sources/oci/create-registry-session.js";

let server: Server;
let host: string;
const seen: { url: string; auth?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization });
    const u = new URL(req.url!, "http://x");
    if (u.pathname === "/token") {
      const ok =
        req.headers.authorization === `Basic ${Buffer.from("me:pw").toString("base64")}` &&
        u.searchParams.get("scope") === "repository:a/b:pull,push";
      res
        .writeHead(ok ? 200 : 401, { "content-type": "application/json" })
        .end(ok ? JSON.stringify({ token: "tok-123456" }) : "{}");
      return;
    }
    if (req.headers.authorization !== "Bearer tok-123456") {
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://${host}/token",service="test"` }).end();
      return;
    }
    res.writeHead(200).end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
// The server is shared; the requests it saw are each test's own.
beforeEach(() => {
  seen.length = 0;
});

it("answers a Bearer challenge with a token fetched from the realm (Basic credentials, repository scope) and redacts it", async () => {
  const s = createRegistrySession({
    registry: host,
    repository: "a/b",
    plainHttp: true,
    credentials: { username: "me", password: "pw" },
  });
  try {
    const r = await s.request({ method: "GET", path: "/v2/a/b/tags/list", access: "push" });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe("ok");
    expect(seen.map((x) => new URL(x.url, "http://x").pathname)).toEqual([
      "/v2/a/b/tags/list",
      "/token",
      "/v2/a/b/tags/list",
    ]);
    expect(s.secrets()).toContain("tok-123456");
    // The token is reused: no second token request.
    const again = await s.request({ method: "GET", path: "/v2/a/b/tags/list", access: "push" });
    expect(again.status).toBe(200);
    expect(seen.filter((x) => x.url.startsWith("/token"))).toHaveLength(1);
  } finally {
    await s.close();
  }
});

it("a token service that refuses gives an access error without the password", async () => {
  const s = createRegistrySession({
    registry: host,
    repository: "a/b",
    plainHttp: true,
    credentials: { username: "me", password: "wrong-pass" },
  });
  try {
    const e = await s.request({ method: "GET", path: "/v2/", access: "push" }).catch((x) => x);
    expect(e).toMatchObject({ code: "REGISTRY_AUTH", category: "access" });
    expect(String(e.message)).not.toContain("wrong-pass");
  } finally {
    await s.close();
  }
});

it("an https registry whose token service (realm) is plain http gets no credentials sent there, unless that host is allowed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "llamagate-tls-"));
  try {
    const gen = spawnSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1"].concat([
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ]),
      { stdio: "ignore" },
    );
    if (gen.status !== 0) throw new Error("openssl could not make a test certificate");
    const tls = createHttpsServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (req, res) => {
        if (req.headers.authorization === "Bearer tok-123456") return void res.writeHead(200).end("ok");
        res.writeHead(401, { "www-authenticate": `Bearer realm="http://${host}/token",service="test"` }).end();
      },
    );
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    const tlsHost = `127.0.0.1:${(tls.address() as AddressInfo).port}`;
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const open = (allow: string[]) =>
      createRegistrySession({
        registry: tlsHost,
        repository: "a/b",
        credentials: { username: "me", password: "pw" },
        allowTokenRealmHosts: allow,
        dispatcher,
      });
    try {
      const before = seen.filter((x) => x.url.startsWith("/token")).length;
      const e = await open([])
        .request({ method: "GET", path: "/v2/a/b/tags/list", access: "push" })
        .catch((x) => x);
      expect(e).toMatchObject({ code: "REGISTRY_TOKEN_REALM_REFUSED", category: "access" });
      expect(String(e.message)).toContain("plain http");
      expect(seen.filter((x) => x.url.startsWith("/token")).length).toBe(before);
      const r = await open([host]).request({ method: "GET", path: "/v2/a/b/tags/list", access: "push" });
      expect(r.status).toBe(200);
    } finally {
      await dispatcher.close();
      await new Promise((r) => tls.close(r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
