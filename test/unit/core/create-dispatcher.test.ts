import { Agent, EnvHttpProxyAgent } from "undici";
import { describe, expect, it } from "vitest";
import { createDispatcher } from "../../../src/core/http/create-dispatcher.js";
import { LlamagateError } from "../../../src/core/errors.js";

describe("createDispatcher: the one proxy decision", () => {
  it("is a plain Agent without proxy settings, a proxy agent with any of them (from the env it is given)", async () => {
    const plain = createDispatcher({ env: {} });
    expect(plain).toBeInstanceOf(Agent);
    for (const env of [{ HTTPS_PROXY: "http://p:3128" }, { http_proxy: "p:3128" }, { HTTP_PROXY: "https://p" }]) {
      const d = createDispatcher({ env });
      expect(d).toBeInstanceOf(EnvHttpProxyAgent);
      await d.close();
    }
    const flag = createDispatcher({ env: {}, proxy: "proxy.example:3128" });
    expect(flag).toBeInstanceOf(EnvHttpProxyAgent);
    await Promise.all([plain.close(), flag.close()]);
  });

  it("refuses a proxy that is not http(s) with BAD_PROXY, naming the setting and never its credentials", () => {
    for (const [params, setting] of [
      [{ env: {}, proxy: "socks5://corp:S3cretPw@p:1080" }, "--proxy"],
      [{ env: { HTTPS_PROXY: "ftp://corp:S3cretPw@p" } }, "HTTPS_PROXY"],
    ] as const) {
      let err: unknown;
      try {
        createDispatcher(params);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LlamagateError);
      expect((err as LlamagateError).code).toBe("BAD_PROXY");
      expect((err as LlamagateError).message).toContain(setting);
      expect((err as LlamagateError).message).not.toContain("S3cretPw");
    }
  });
});
