/**
 * The Hub path through what sits between llamagate and the Hub: the LFS bridge that answers 400 to an
 * unranged GET of a large Xet file, and a corporate forward proxy (HTTP_PROXY / HTTPS_PROXY / NO_PROXY and
 * --proxy, credentials never shown). Real servers on 127.0.0.1: the Hub stand-in and a CONNECT proxy.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startForwardProxy, type ForwardProxy } from "../helpers/forward-proxy.js";
import { exampleHub, PUBLIC_REPO, TOKENS } from "../helpers/hub-fixtures.js";
import { sha256, startHubServer, type HubServer } from "../helpers/hub-server.js";
import { runCli } from "../helpers/run-hf-cli.js";
import { runMain } from "../helpers/run-main.js";

const fixture = exampleHub();
const model = fixture.repos[0]!.files.find((f) => f.path === "model.safetensors")!.content;
const MODEL_SHA = sha256(model);

let hub: HubServer;
let proxy: ForwardProxy;
let authProxy: ForwardProxy;
let root: string;
let n = 0;

beforeAll(async () => {
  hub = await startHubServer({ repos: fixture.repos, tokens: fixture.tokens });
  proxy = await startForwardProxy();
  authProxy = await startForwardProxy({ credentials: { user: "corp", pass: "Pr0xyS3cret" } });
  root = await mkdtemp(join(tmpdir(), "lg-hfnet-"));
});
afterAll(async () => {
  await Promise.all([hub.close(), proxy.close(), authProxy.close()]);
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  proxy.log.length = 0;
  authProxy.log.length = 0;
  hub.faults.bridgeRequiresRange = [];
});

async function dl(args: string[], env: Record<string, string> = {}) {
  const home = join(root, `u${n++}`);
  await mkdir(home, { recursive: true });
  // In this process: no Node start-up per run (the proxy and the requests are what is checked).
  const r = await runMain(["download", PUBLIC_REPO, "--source", "hf", "--include", "model.safetensors", ...args], {
    env: { HOME: home, HF_HOME: join(home, "hf"), HF_ENDPOINT: hub.endpoint, ...env },
  });
  return { ...r, blob: join(home, "hf", "hub", "models--test-org--tiny-llama", "blobs", MODEL_SHA) };
}
const hex = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("the LFS bridge: every Hub file GET carries a Range header", () => {
  it("a file the bridge refuses without Range (400) downloads with `Range: bytes=0-`; --no-xet is accepted", async () => {
    hub.faults.bridgeRequiresRange = [MODEL_SHA];
    const start = hub.requests.length;
    const r = await dl(["--no-xet", "--json"]);
    expect(r.stderr).not.toMatch(/400/);
    expect(r.code).toBe(0);
    expect(hex(await readFile(r.blob))).toBe(MODEL_SHA);
    const cdnGets = hub.requests.slice(start).filter((q) => q.server === "cdn" && q.method === "GET");
    expect(cdnGets.map((q) => q.range)).toEqual(["bytes=0-"]);
  });
});

describe("proxies: HTTP_PROXY / HTTPS_PROXY / NO_PROXY and --proxy", () => {
  /** Every request the Hub stand-in (API and CDN) saw since `start` came through one of `p`'s connections. */
  const allThrough = (p: ForwardProxy, start: number) => {
    const seen = hub.requests.slice(start);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.filter((q) => !p.upstreamPorts.has(q.remotePort ?? -1))).toEqual([]);
    expect(new Set(seen.map((q) => q.server))).toEqual(new Set(["hub", "cdn"]));
  };

  it("HTTP_PROXY: every request (Hub API and CDN) goes through the proxy", async () => {
    const start = hub.requests.length;
    const r = await dl([], { HTTP_PROXY: proxy.url });
    expect(r.code).toBe(0);
    expect(hex(await readFile(r.blob))).toBe(MODEL_SHA);
    allThrough(proxy, start);
    const targets = new Set(proxy.log.map((e) => e.target));
    expect(targets).toEqual(new Set([new URL(hub.endpoint).host, new URL(hub.cdnOrigin).host]));
  });

  it("lower-case http_proxy is read too", async () => {
    const start = hub.requests.length;
    const r = await dl([], { http_proxy: proxy.url });
    expect(r.code).toBe(0);
    allThrough(proxy, start);
  });

  it("NO_PROXY=127.0.0.1 bypasses the proxy", async () => {
    const r = await dl([], { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" });
    expect(r.code).toBe(0);
    expect(hex(await readFile(r.blob))).toBe(MODEL_SHA);
    expect(proxy.log).toEqual([]);
  });

  it("--proxy with credentials: every request goes through it authorized, and the password is never shown", async () => {
    const withCreds = authProxy.url.replace("http://", "http://corp:Pr0xyS3cret@");
    const start = hub.requests.length;
    const r = await dl(["--proxy", withCreds, "--json"], { HTTP_PROXY: proxy.url });
    expect(r.code).toBe(0);
    allThrough(authProxy, start);
    expect(authProxy.log.length).toBeGreaterThan(0);
    expect(authProxy.log.every((e) => e.authorized)).toBe(true);
    expect(proxy.log).toEqual([]); // --proxy replaces HTTP_PROXY
    expect(r.stdout + r.stderr).not.toContain("Pr0xyS3cret");
  });

  it("a refused proxy login fails without showing the password; a bad proxy URL is a usage error without it", async () => {
    const wrong = authProxy.url.replace("http://", "http://corp:WrongPa55word@");
    const r = await dl(["--json"], { HTTPS_PROXY: wrong, HTTP_PROXY: wrong });
    // A 407 is final (exit 4, PROXY_AUTH): no retry can fix the credentials.
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe("PROXY_AUTH");
    expect(r.stderr).not.toMatch(/retrying/);
    expect(authProxy.log.length).toBeGreaterThan(0);
    expect(r.stdout + r.stderr).not.toContain("WrongPa55word");
    expect(JSON.parse(r.stdout).error.message).not.toContain("WrongPa55word");

    const bad = await dl(["--proxy", "socks5://corp:Pr0xyS3cret@127.0.0.1:1080", "--json"]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe("BAD_PROXY");
    expect(bad.stdout + bad.stderr).not.toContain("Pr0xyS3cret");
  });

  it("whoami --proxy goes through the proxy", async () => {
    const start = hub.requests.length;
    const r = await runCli(["whoami", "--proxy", proxy.url, "--json"], {
      env: { HOME: join(root, "who"), HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKENS.granted },
    });
    expect(r.code).toBe(0);
    const seen = hub.requests.slice(start);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((q) => proxy.upstreamPorts.has(q.remotePort ?? -1))).toBe(true);
  });
});

describe("--limit-rate and --proxy on the commands that transfer", () => {
  it("download --limit-rate takes curl's units; a bad value is a usage error naming the flag", async () => {
    const ok = await dl(["--limit-rate", "50M"]);
    expect(ok.code).toBe(0);
    expect(hex(await readFile(ok.blob))).toBe(MODEL_SHA);
    const bad = await dl(["--limit-rate", "fast", "--json"]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toContain("--limit-rate");
  });

  it("setup, pull and provision take --limit-rate and --proxy; push, login and whoami take --proxy", async () => {
    for (const [cmd, flags] of [
      ["setup", ["--limit-rate", "--proxy", "--no-xet"]],
      ["pull", ["--limit-rate", "--proxy"]],
      ["provision", ["--limit-rate", "--proxy"]],
      ["push", ["--proxy"]],
      ["login", ["--proxy"]],
      ["whoami", ["--proxy"]],
    ] as const) {
      const r = await runCli([cmd, "--help"], { env: { HOME: root } });
      for (const f of flags) expect(r.stdout, `${cmd} ${f}`).toContain(f);
    }
  });
});
