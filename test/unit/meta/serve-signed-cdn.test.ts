import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serveSignedCdn, type SignedCdn } from "../../../src/demo/serve-signed-cdn.js";

// The local CDN is what the demo and every integration test talk to: it must refuse what CloudFront refuses.
describe("serveSignedCdn", () => {
  let root: string;
  let cdn: SignedCdn;
  const body = Buffer.from("0123456789abcdefghij");
  // A CDN of its own for each test: its request log holds that test's requests only.
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "llamagate-cdn-unit-"));
    await writeFile(join(root, "f.bin"), body);
    cdn = await serveSignedCdn({ root, secret: "s3cret", keyPairId: "KP1" });
  });
  afterEach(async () => {
    await cdn.close();
    await rm(root, { recursive: true, force: true });
  });
  const file = (link: string, path = "f.bin") => link.replace("*", path);
  const get = async (url: string, headers: Record<string, string> = {}, method: "GET" | "HEAD" = "GET") => {
    const r = await request(url, { method, headers });
    return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
  };
  const valid = () => cdn.signUrl({ expiresAt: new Date(Date.now() + 3600_000) });

  it("serves a file to a valid link, with HEAD and Range", async () => {
    expect(await get(file(valid()))).toMatchObject({ status: 200, text: body.toString() });
    const head = await get(file(valid()), {}, "HEAD");
    expect(head).toMatchObject({ status: 200, text: "" });
    expect(head.headers["content-length"]).toBe("20");
    const part = await get(file(valid()), { range: "bytes=5-9" });
    expect(part).toMatchObject({ status: 206, text: "56789" });
    expect(part.headers["content-range"]).toBe("bytes 5-9/20");
    expect(await get(file(valid()), { range: "bytes=15-" })).toMatchObject({ status: 206, text: "fghij" });
    const past = await get(file(valid()), { range: "bytes=20-" });
    expect(past.status).toBe(416);
    expect(past.headers["content-range"]).toBe("bytes */20");
  });

  it("refuses expired, tampered and incomplete links with CloudFront's 403 XML", async () => {
    const expired = await get(file(cdn.signUrl({ expiresAt: new Date(Date.now() - 1000) })));
    expect(expired.status).toBe(403);
    expect(expired.text).toMatch(/<Code>AccessDenied<\/Code>/);
    const link = valid();
    const sig = new URL(link).searchParams.get("Signature")!;
    const flipped = sig[0] === "A" ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    expect((await get(file(link.replace(sig, flipped)))).status).toBe(403);
    // A policy from another (valid, later) link with this link's signature.
    const otherPolicy = new URL(cdn.signUrl({ expiresAt: new Date(Date.now() + 7200_000) })).searchParams.get(
      "Policy",
    )!;
    const policy = new URL(link).searchParams.get("Policy")!;
    expect((await get(file(link.replace(policy, otherPolicy)))).status).toBe(403);
    const noKey = await get(file(link.replace(/&Key-Pair-Id=[^&]+/, "")));
    expect(noKey).toMatchObject({ status: 403 });
    expect(noKey.text).toMatch(/Missing Key-Pair-Id query parameter or cookie value/);
  });

  it("answers 404 for missing files and paths outside its root", async () => {
    expect((await get(file(valid(), "nope.bin"))).status).toBe(404);
    expect((await get(file(valid(), "%2e%2e/%2e%2e/etc/passwd"))).status).toBe(404);
  });

  it("logs requests without their query string", async () => {
    await get(file(valid()));
    await get(file(valid()), { range: "bytes=5-9" });
    await get(file(cdn.signUrl({ expiresAt: new Date(Date.now() - 1000) })));
    await get(file(valid(), "nope.bin"), {}, "HEAD");
    expect(cdn.requests).toMatchObject([
      { method: "GET", path: "f.bin", status: 200 },
      { method: "GET", path: "f.bin", status: 206 },
      { method: "GET", path: "f.bin", status: 403 },
      { method: "HEAD", status: 404 },
    ]);
    expect(JSON.stringify(cdn.requests)).not.toMatch(/Policy|Signature|Key-Pair-Id/);
  });
});
