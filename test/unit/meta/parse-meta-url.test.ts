import { describe, expect, it } from "vitest";
import { checkMetaUrlExpiry } from "../../../src/sources/meta/check-meta-url-expiry.js";
import { checkMetaUrlFamily } from "../../../src/sources/meta/check-meta-url-family.js";
import { decodeCloudFrontPolicy } from "../../../src/sources/meta/decode-cloudfront-policy.js";
import { encodeCloudFrontPolicy } from "../../../src/sources/meta/encode-cloudfront-policy.js";
import { metaFileUrl } from "../../../src/sources/meta/meta-file-url.js";
import { parseMetaUrl } from "../../../src/sources/meta/parse-meta-url.js";
import { redactText, redactUrl } from "../../../src/core/redact.js";

// Hand-built with Python's base64 (see the commit message): epoch 1690364650 = 2023-07-26 09:44:10 UTC (llama#373).
const POLICY_373 =
  "eyJTdGF0ZW1lbnQiOlt7InVuaXF1ZV9oYXNoIjoiYWJjMTIzeHl6IiwiUmVzb3VyY2UiOiJodHRwczpcL1wvZG93bmxvYWQubGxhbWFtZXRhLm5ldFwvKiIsIkNvbmRpdGlvbiI6eyJEYXRlTGVzc1RoYW4iOnsiQVdTOkVwb2NoVGltZSI6MTY5MDM2NDY1MH19fV19";
// Contains all three CloudFront substitutions (- _ ~); epoch 1706992838 = 2024-02-03 20:40:38 UTC (llama#1021).
const POLICY_1021 =
  "eyJTdGF0ZW1lbnQiOlt7InVuaXF1ZV9oYXNoIjoieH5-fj4-Pj8~PyIsIlJlc291cmNlIjoiaHR0cHM6XC9cL2Rvd25sb2FkLmxsYW1hbWV0YS5uZXRcLyoiLCJDb25kaXRpb24iOnsiRGF0ZUxlc3NUaGFuIjp7IkFXUzpFcG9jaFRpbWUiOjE3MDY5OTI4Mzh9fX1dfQ__";
const SIG = "Qm9ndXNTaWduYXR1cmVWYWx1ZQ~~abc-def_";
const KEY = "K15QRJLYKIFSLZ";
const DRID = "1234567890123456";
const url = (policy = POLICY_1021, host = "https://download.llamameta.net") =>
  `${host}/*?Policy=${policy}&Signature=${SIG}&Key-Pair-Id=${KEY}&Download-Request-ID=${DRID}`;

describe("decodeCloudFrontPolicy", () => {
  it("reads the expiry of a real-shaped policy", () => {
    expect(decodeCloudFrontPolicy(POLICY_373).expiresAt.toISOString()).toBe("2023-07-26T09:44:10.000Z");
    expect(decodeCloudFrontPolicy(POLICY_373).resource).toBe("https://download.llamameta.net/*");
  });
  it("undoes the -, _ and ~ substitutions", () => {
    expect(decodeCloudFrontPolicy(POLICY_1021).expiresAt.toISOString()).toBe("2024-02-03T20:40:38.000Z");
  });
  it("rejects garbage and policies without an expiry", () => {
    expect(() => decodeCloudFrontPolicy("not base64!")).toThrow(/Policy parameter/);
    expect(() => decodeCloudFrontPolicy(POLICY_373.slice(0, 40))).toThrow(/Policy parameter/);
    const noExpiry = Buffer.from('{"Statement":[{"Resource":"x"}]}').toString("base64").replace(/=/g, "_");
    expect(() => decodeCloudFrontPolicy(noExpiry)).toThrow(/no DateLessThan/);
  });
  it("round-trips with the encoder used by the local CDN", () => {
    const expiresAt = new Date("2030-01-02T03:04:05Z");
    const p = encodeCloudFrontPolicy({ resource: "http://127.0.0.1:9/*", expiresAt });
    expect(p).not.toMatch(/[+/=]/);
    expect(decodeCloudFrontPolicy(p)).toEqual({ expiresAt, resource: "http://127.0.0.1:9/*" });
  });
});

describe("parseMetaUrl", () => {
  it("accepts the link from the email and shows only host and path", () => {
    const s = parseMetaUrl({ url: `  "${url()}"\n` });
    expect(s.host).toBe("download.llamameta.net");
    expect(s.display).toBe("https://download.llamameta.net/*?…");
    expect(s.expiresAt.toISOString()).toBe("2024-02-03T20:40:38.000Z");
    expect(s.template).toBe(url());
    for (const v of [POLICY_1021, SIG, KEY, DRID]) expect(s.secrets).toContain(v);
  });
  it("allows http only on loopback hosts", () => {
    expect(parseMetaUrl({ url: url(POLICY_1021, "http://127.0.0.1:8080") }).host).toBe("127.0.0.1");
    expect(parseMetaUrl({ url: url(POLICY_1021, "http://localhost:1") }).host).toBe("localhost");
    expect(parseMetaUrl({ url: url(POLICY_1021, "http://[::1]:1") }).host).toBe("[::1]");
    expect(() => parseMetaUrl({ url: url(POLICY_1021, "http://download.llamameta.net") })).toThrow(/must use https/);
    expect(() => parseMetaUrl({ url: url(POLICY_1021, "ftp://127.0.0.1") })).toThrow(/must use https/);
  });
  it.each([
    ["no wildcard", url().replace("/*", "/llama-2-7b/params.json"), /no `\*` wildcard/],
    ["no Policy", url().replace(`Policy=${POLICY_1021}&`, ""), /no Policy parameter/],
    [
      "no Signature nor Key-Pair-Id",
      "https://download.llamameta.net/*?Policy=" + POLICY_1021,
      /no Signature or Key-Pair-Id parameters/,
    ],
    ["truncated", url().slice(0, 60), /Policy parameter|no Signature/],
    ["wrapped over two lines", url().replace("&Signature", "\n&Signature"), /spaces or line breaks/],
    ["not a URL", "download.llamameta.net/*?Policy=x", /not a URL/],
    ["empty", "   ", /empty/],
    [
      "Facebook redirect",
      `https://l.facebook.com/l.php?u=${encodeURIComponent(url())}&h=AT0abc`,
      /l\.facebook\.com redirect link/,
    ],
    ["unsupported browser page", "https://www.facebook.com/unsupportedbrowser", /redirect link/],
    [
      "Outlook safe link",
      `https://eur01.safelinks.protection.outlook.com/?url=${encodeURIComponent(url())}`,
      /redirect link/,
    ],
  ])("refuses a URL with %s (usage error)", (_name, bad, message) => {
    let err: unknown;
    try {
      parseMetaUrl({ url: bad });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ category: "usage", code: "META_URL_INVALID" });
    expect((err as Error).message).toMatch(message);
    expect((err as { hint: string }).hint).toMatch(/--meta-url/);
    // The error never repeats the secret values.
    for (const v of [POLICY_1021, SIG, DRID]) expect((err as Error).message).not.toContain(v);
  });
  it("accepts a percent-encoded wildcard", () => {
    const s = parseMetaUrl({ url: url().replace("/*", "/%2A") });
    expect(metaFileUrl({ signedUrl: s, path: "LICENSE" })).toMatch(
      /^https:\/\/download\.llamameta\.net\/LICENSE\?Policy=/,
    );
  });
});

describe("checkMetaUrlExpiry", () => {
  const s = { expiresAt: new Date("2024-02-03T20:40:38Z") };
  it("returns the time left", () => {
    expect(checkMetaUrlExpiry({ signedUrl: s, now: new Date("2024-02-03T15:40:38Z") })).toBe(5 * 3600 * 1000);
  });
  it("refuses an expired link, saying when and what to do", () => {
    const run = () => checkMetaUrlExpiry({ signedUrl: s, now: new Date("2024-02-05T21:40:38Z") });
    expect(run).toThrow("The signed URL expired at 2024-02-03 20:40:38 UTC (2d 1h ago).");
    try {
      run();
    } catch (e) {
      expect(e).toMatchObject({ category: "access", code: "SIGNED_URL_EXPIRED" });
      expect((e as { hint: string }).hint).toMatch(/llama\.com\/llama-downloads/);
    }
    expect(() => checkMetaUrlExpiry({ signedUrl: s, now: s.expiresAt })).toThrow(/expired/);
  });
});

describe("metaFileUrl", () => {
  const s = parseMetaUrl({ url: url() });
  it("replaces the * with the path and keeps the signed query byte for byte", () => {
    expect(metaFileUrl({ signedUrl: s, path: "llama-2-7b/consolidated.00.pth" })).toBe(
      `https://download.llamameta.net/llama-2-7b/consolidated.00.pth?Policy=${POLICY_1021}&Signature=${SIG}&Key-Pair-Id=${KEY}&Download-Request-ID=${DRID}`,
    );
  });
  it("percent-encodes each path segment", () => {
    expect(metaFileUrl({ signedUrl: s, path: "a b/c#d?.md" }).split("?")[0]).toBe(
      "https://download.llamameta.net/a%20b/c%23d%3F.md",
    );
  });
});

describe("redaction of signed URLs", () => {
  it("redactUrl and redactText hide every secret value", () => {
    const file = metaFileUrl({ signedUrl: parseMetaUrl({ url: url() }), path: "LICENSE" });
    const shown = [redactUrl(file), redactText(`GET ${file} failed`), redactText(`fetch failed: ${url()}`)].join("\n");
    for (const v of [POLICY_1021, SIG, KEY, DRID]) expect(shown).not.toContain(v);
    expect(redactUrl(file)).toBe("https://download.llamameta.net/LICENSE?…");
  });
  it("the parsed secrets let redactText remove values that appear without their parameter name", () => {
    const s = parseMetaUrl({ url: url() });
    const text = redactText(`server said: signature ${SIG} and policy ${POLICY_1021}`, s.secrets);
    expect(text).not.toContain(SIG);
    expect(text).not.toContain(POLICY_1021);
  });
});

describe("checkMetaUrlFamily", () => {
  it("refuses a Llama 3.1 / Llama 4 link for Llama 2 or Code Llama models, before any request", () => {
    for (const host of ["llama3-1.llamameta.net", "llama4.llamameta.net", "LLAMA3-3.llamameta.net"]) {
      const s = parseMetaUrl({ url: url(POLICY_1021, `https://${host}`) });
      expect(() => checkMetaUrlFamily({ signedUrl: s, layout: "llama2" })).toThrow(
        /issued for a newer Llama family, not Llama 2/,
      );
      expect(() => checkMetaUrlFamily({ signedUrl: s, layout: "codellama" })).toThrow(/not Code Llama/);
    }
  });
  it("accepts the Llama 2 hosts and anything unknown (the CDN decides)", () => {
    for (const host of [
      "download.llamameta.net",
      "download2.llamameta.net",
      "download6.llamameta.net",
      "dobf1k6cxlizq.cloudfront.net",
    ]) {
      expect(() =>
        checkMetaUrlFamily({ signedUrl: parseMetaUrl({ url: url(POLICY_1021, `https://${host}`) }), layout: "llama2" }),
      ).not.toThrow();
    }
  });
});

describe("parseMetaUrl cleans a pasted link up once, for every caller", () => {
  it("decodes &amp; (a link copied from the email's HTML source) and strips quotes", () => {
    const html = `"${url().replaceAll("&", "&amp;")}"`;
    const parsed = parseMetaUrl({ url: html });
    expect(parsed.template).toBe(url());
    expect(metaFileUrl({ signedUrl: parsed, path: "LICENSE" })).toBe(url().replace("*", "LICENSE"));
  });
});
