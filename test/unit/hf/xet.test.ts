import { compressFrameSync } from "lz4-napi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createXetTokenSource } from "../../../src/sources/hf/xet/create-xet-token-source.js";
import { decodeChunk } from "../../../src/sources/hf/xet/decode-chunk.js";
import { parseChunkHeader } from "../../../src/sources/hf/xet/parse-chunk-header.js";
import { pseudoRandomBytes, TOKENS } from "../../helpers/hub-fixtures.js";
import { startHubServer, type HubServer } from "../../helpers/hub-server.js";
import { startXetServer, type XetServer } from "../../helpers/xet-server.js";

const REPO = "meta-llama/Xet-Unit";
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
let hub: HubServer;
let xet: XetServer;
beforeAll(async () => {
  xet = await startXetServer();
  hub = await startHubServer({
    repos: [
      {
        id: REPO,
        gated: "manual",
        commit: COMMIT,
        files: [{ path: "w.bin", content: pseudoRandomBytes(50_000, 5), xet: true }],
      },
    ],
    tokens: [{ token: TOKENS.granted, user: "alice", role: "read", access: { [REPO]: "granted" } }],
    xet,
  });
});
afterAll(async () => {
  await hub.close();
  await xet.close();
});

const route = (base: string) => `${base}/api/models/${REPO}/xet-read-token/${COMMIT}`;
const tokenCalls = () => hub.requests.filter((q) => q.path.includes("/xet-read-token/"));

describe("createXetTokenSource", () => {
  it("fetches the token once, then again a minute before it expires", async () => {
    let clock = Date.now();
    const src = createXetTokenSource({
      endpoint: hub.endpoint,
      defaultRoute: route(hub.endpoint),
      hubToken: TOKENS.granted,
      repoId: REPO,
      commit: COMMIT,
      now: () => clock,
    });
    const t1 = await src.get();
    expect(t1.casUrl).toBe(xet.casUrl);
    expect(await src.get()).toBe(t1);
    expect(src.fetched).toBe(1);
    clock = t1.exp * 1000 - 59_000; // inside the refresh margin, before expiry
    const t2 = await src.get();
    expect(src.fetched).toBe(2);
    expect(t2.accessToken).not.toBe(t1.accessToken);
    src.expired(t2); // the storage said 401
    await src.get();
    expect(src.fetched).toBe(3);
  });

  it("rewrites a refresh route on https://huggingface.co to HF_ENDPOINT, and never sends the Hub token elsewhere", async () => {
    hub.requests.length = 0;
    const viaPublic = createXetTokenSource({
      endpoint: hub.endpoint,
      defaultRoute: route(hub.endpoint),
      advertisedRoute: `${route("https://huggingface.co")}?from=link`,
      hubToken: TOKENS.granted,
      repoId: REPO,
      commit: COMMIT,
    });
    await viaPublic.get();
    expect(tokenCalls().map((q) => q.path)).toEqual([`/api/models/${REPO}/xet-read-token/${COMMIT}?from=link`]);

    hub.requests.length = 0;
    const foreign = createXetTokenSource({
      endpoint: hub.endpoint,
      defaultRoute: route(hub.endpoint),
      advertisedRoute: `${route("http://127.0.0.1:9")}?from=elsewhere`,
      hubToken: TOKENS.granted,
      repoId: REPO,
      commit: COMMIT,
    });
    await foreign.get(); // port 9 would refuse: the route built from the endpoint was used
    expect(tokenCalls().map((q) => q.path)).toEqual([`/api/models/${REPO}/xet-read-token/${COMMIT}`]);
  });

  it("a refused token is XET_TOKEN_REFUSED with the Hub's diagnosis", async () => {
    const src = createXetTokenSource({
      endpoint: hub.endpoint,
      defaultRoute: route(hub.endpoint),
      repoId: REPO,
      commit: COMMIT,
    });
    await expect(src.get()).rejects.toMatchObject({ code: "XET_TOKEN_REFUSED", category: "access" });
  });
});

describe("decodeChunk / parseChunkHeader", () => {
  const header = (compressed: number, scheme: number, raw: number, version = 0) => {
    const h = Buffer.alloc(8);
    h[0] = version;
    h.writeUIntLE(compressed, 1, 3);
    h[4] = scheme;
    h.writeUIntLE(raw, 5, 3);
    return h;
  };
  const raw = pseudoRandomBytes(4099, 9); // not a multiple of 4: the remainder goes to the first groups

  it("decodes None, LZ4 frames and ByteGrouping4-LZ4", () => {
    const lz4 = compressFrameSync(raw);
    const grouped = Buffer.concat([0, 1, 2, 3].map((g) => Buffer.from(raw.filter((_, i) => i % 4 === g))));
    const bg4 = compressFrameSync(grouped);
    for (const [scheme, data] of [
      [0, raw],
      [1, lz4],
      [2, bg4],
    ] as const) {
      const h = parseChunkHeader(header(data.length, scheme, raw.length));
      expect(typeof h).toBe("object");
      expect(decodeChunk(h as Exclude<typeof h, string>, data)).toEqual(raw);
    }
  });

  it("refuses impossible headers and data that does not decode to its length", () => {
    expect(parseChunkHeader(header(10, 0, 10, 1))).toMatch(/version/);
    expect(parseChunkHeader(header(10, 7, 10))).toMatch(/scheme/);
    expect(parseChunkHeader(header(10, 0, 11))).toMatch(/two lengths/);
    const lz4 = compressFrameSync(raw);
    expect(decodeChunk({ compressedLength: lz4.length, scheme: 1, uncompressedLength: raw.length + 1 }, lz4)).toMatch(
      /decoded to/,
    );
    const broken = Buffer.from(lz4.subarray(0, 20));
    expect(decodeChunk({ compressedLength: 20, scheme: 1, uncompressedLength: raw.length }, broken)).toMatch(/LZ4/);
  });
});

describe("createByteBudget", () => {
  it("never lets more than the cap be in flight, serves waiters in order, and lets an oversized request run alone", async () => {
    const { createByteBudget } = await import("../../../src/sources/hf/xet/create-byte-budget.js");
    const b = createByteBudget(100);
    const order: string[] = [];
    await b.acquire(60);
    const big = b.acquire(500).then(() => order.push("big"));
    const small = b.acquire(10).then(() => order.push("small")); // fits, but waits behind the big one (FIFO)
    await Promise.resolve();
    expect(order).toEqual([]);
    b.release(60); // nothing in flight: the oversized request runs alone
    await big;
    expect(order).toEqual(["big"]);
    b.release(500);
    await small;
    expect(order).toEqual(["big", "small"]);
    expect(b.peak).toBe(500);
    b.release(10);
    const aborted = new AbortController();
    await b.acquire(95);
    const waiting = b.acquire(50, aborted.signal);
    aborted.abort();
    await expect(waiting).rejects.toBeDefined();
  });
});
