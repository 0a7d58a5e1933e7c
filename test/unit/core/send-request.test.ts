import type { IncomingHttpHeaders } from "node:http";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDispatcher } from "../../../src/core/http/create-dispatcher.js";
import { sendRequest } from "../../../src/core/http/send-request.js";
import { listenLocal, type LocalServer } from "../../helpers/server-base.js";

let a: LocalServer;
let b: LocalServer;
const seen: { server: string; path: string; headers: IncomingHttpHeaders }[] = [];
const agent = new Agent();
// The same rules on both receive paths: undici's, and the raw one (its own connection per hop, no undici).
const direct = createDispatcher({ env: {} });

beforeAll(async () => {
  b = await listenLocal((req, res) => {
    seen.push({ server: "b", path: req.url ?? "", headers: req.headers });
    if (req.url === "/back") return void res.writeHead(302, { location: `${a.origin}/file` }).end();
    res.writeHead(200).end("from b");
  });
  a = await listenLocal((req, res) => {
    seen.push({ server: "a", path: req.url ?? "", headers: req.headers });
    if (req.url === "/to-b") return void res.writeHead(302, { location: `${b.origin}/file` }).end();
    if (req.url === "/via-b") return void res.writeHead(307, { location: `${b.origin}/back` }).end();
    if (req.url === "/same") return void res.writeHead(301, { location: "/file" }).end();
    res.writeHead(200).end("from a");
  });
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  await Promise.all([agent.close(), direct.close()]);
});

const text = async (r: { body: AsyncIterable<unknown> }) => {
  let s = "";
  for await (const c of r.body) s += String(c);
  return s;
};
const auth = { authorization: "Bearer hf_secret000000000000" };

describe.each([
  ["undici", { dispatcher: agent }],
  ["the raw path", { dispatcher: direct, rawBody: true }],
])("sendRequest through %s: redirects with origin-scoped credentials", (_name, via) => {
  it("reads the answer on the path asked for", async () => {
    seen.length = 0;
    const r = await sendRequest({ url: `${a.origin}/file`, ...via });
    expect(r.raw !== undefined).toBe("rawBody" in via);
    expect(await text(r)).toBe("from a");
    // The raw path asks for its own connection to be closed after the answer; undici keeps its pool alive.
    expect(seen[0]!.headers.connection).toBe("rawBody" in via ? "close" : "keep-alive");
  });
  it("keeps Authorization on a same-origin redirect", async () => {
    seen.length = 0;
    const r = await sendRequest({ url: `${a.origin}/same`, headers: auth, ...via });
    expect(await text(r)).toBe("from a");
    expect(seen.map((s) => s.headers.authorization)).toEqual([auth.authorization, auth.authorization]);
  });
  it("drops Authorization on a redirect to another origin", async () => {
    seen.length = 0;
    const r = await sendRequest({ url: `${a.origin}/to-b`, headers: auth, ...via });
    expect(await text(r)).toBe("from b");
    expect(seen.map((s) => [s.server, s.headers.authorization])).toEqual([
      ["a", auth.authorization],
      ["b", undefined],
    ]);
  });
  it("does not send it again when a later hop comes back to the first origin", async () => {
    seen.length = 0;
    const r = await sendRequest({ url: `${a.origin}/via-b`, headers: auth, ...via });
    expect(await text(r)).toBe("from a");
    expect(seen.map((s) => [s.server, s.path, s.headers.authorization])).toEqual([
      ["a", "/via-b", auth.authorization],
      ["b", "/back", undefined],
      ["a", "/file", undefined],
    ]);
  });
  it("same-origin policy: a cross-origin redirect comes back as the response (not followed)", async () => {
    seen.length = 0;
    const r = await sendRequest({ url: `${a.origin}/to-b`, headers: auth, ...via, redirects: "same-origin" });
    expect(r.status).toBe(302);
    await text(r);
    expect(seen.map((s) => s.server)).toEqual(["a"]);
  });
});
