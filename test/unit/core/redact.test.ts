import { describe, expect, it } from "vitest";
import { redactText, redactUrl } from "../../../src/core/redact.js";

const signed =
  "https://download.llamameta.net/llama-2-7b/params.json?Policy=eyJTdGF0ZW1lbnQiOlt7InVuaXF1ZV9oYXNoIjoiYWJj&Signature=AbC~dEf-123&Key-Pair-Id=K15QRJLYKIFSLZ&Download-Request-ID=1234567890";

describe("redactUrl", () => {
  it("drops the whole query string and keeps the path", () => {
    expect(redactUrl(signed)).toBe("https://download.llamameta.net/llama-2-7b/params.json?…");
  });
  it("drops user info", () => {
    expect(redactUrl("https://user:secret@example.com/a")).toBe("https://example.com/a");
  });
  it("leaves a URL without query alone", () => {
    expect(redactUrl("http://127.0.0.1:8080/x/y")).toBe("http://127.0.0.1:8080/x/y");
  });
});

describe("redactText", () => {
  it("removes signed-URL parameters embedded in free text", () => {
    const out = redactText(`GET ${signed} failed`);
    for (const secret of [
      "eyJTdGF0ZW1lbnQiOlt7InVuaXF1ZV9oYXNoIjoiYWJj",
      "AbC~dEf-123",
      "K15QRJLYKIFSLZ",
      "1234567890",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("download.llamameta.net/llama-2-7b/params.json");
  });
  it("removes Hugging Face tokens and bearer credentials", () => {
    const out = redactText("token hf_abcdefghijklmnopqrstuvwxyz used; Authorization: Bearer xyz.abc-123");
    expect(out).not.toContain("hf_abcdefghijklmnopqrstuvwxyz");
    expect(out).not.toContain("xyz.abc-123");
  });
  it("removes explicitly named secrets", () => {
    expect(redactText("the secret is s3cr3t-value!", ["s3cr3t-value"])).toBe("the secret is <redacted>!");
  });
  it("removes credentials from URLs in free text (a proxy URL) and Basic credentials", () => {
    const out = redactText(
      "via http://corp:Pr0xyS3cret@proxy.example:3128 (Proxy-Authorization: Basic Y29ycDpQcjB4eQ==)",
    );
    expect(out).not.toContain("Pr0xyS3cret");
    expect(out).not.toContain("corp:");
    expect(out).not.toContain("Y29ycDpQcjB4eQ==");
    expect(out).toContain("proxy.example:3128");
  });
});
