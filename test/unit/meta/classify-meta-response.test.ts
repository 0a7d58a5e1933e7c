import { describe, expect, it } from "vitest";
import { classifyMetaResponse } from "../../../src/sources/meta/classify-meta-response.js";

const expiresAt = new Date("2024-02-03T20:40:38Z");
const before = new Date("2024-02-03T10:00:00Z");
const after = new Date("2024-02-04T10:00:00Z");
const XML =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>';
const base = {
  headers: { "content-type": "text/xml" },
  bodySnippet: XML,
  displayName: "llama-2-7b/consolidated.00.pth",
  expiresAt,
};

describe("classifyMetaResponse", () => {
  it("403 after the policy's expiry: expired link", () => {
    const e = classifyMetaResponse({ ...base, status: 403, now: after })!;
    expect(e).toMatchObject({ code: "SIGNED_URL_EXPIRED", category: "access" });
    expect(e.message).toMatch(/expired at 2024-02-03 20:40:38 UTC/);
    expect(e.details).toMatchObject({ status: 403, cdnCode: "AccessDenied" });
  });
  it("403 on a valid link: download limit or wrong family, without the raw XML", () => {
    const e = classifyMetaResponse({ ...base, status: 403, now: before })!;
    expect(e).toMatchObject({ code: "SIGNED_URL_REJECTED", category: "access" });
    expect(e.message).toMatch(/download limit/);
    expect(e.message).not.toMatch(/<|Access denied/);
  });
  it("404: not found", () => {
    expect(classifyMetaResponse({ ...base, status: 404, now: before })).toMatchObject({ category: "not-found" });
  });
  it("HTML pages are explained", () => {
    const html = { ...base, headers: { "content-type": "text/html; charset=utf-8" }, now: before, status: 200 };
    expect(
      classifyMetaResponse({
        ...html,
        bodySnippet: "<html><title>Excessive Downloads!</title>cloudfront-check-download-url",
      }),
    ).toMatchObject({ code: "SIGNED_URL_REJECTED", details: { page: "excessive-downloads" } });
    expect(
      classifyMetaResponse({
        ...html,
        bodySnippet: '<!DOCTYPE html><a href="https://www.facebook.com/unsupportedbrowser">',
      }),
    ).toMatchObject({ code: "META_HTML_PAGE", details: { page: "facebook" } });
    expect(classifyMetaResponse({ ...html, headers: {}, bodySnippet: "<!doctype html><p>hi" })).toMatchObject({
      code: "META_HTML_PAGE",
    });
  });
  it("leaves other answers (5xx, 429) to the engine's retry", () => {
    expect(classifyMetaResponse({ ...base, status: 503, now: before })).toBeUndefined();
    expect(classifyMetaResponse({ ...base, status: 429, now: before })).toBeUndefined();
  });
});
