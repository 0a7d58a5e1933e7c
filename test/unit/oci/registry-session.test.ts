/** The bearer-token flow of createRegistrySession against a small registry + token service on 127.0.0.1. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
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
