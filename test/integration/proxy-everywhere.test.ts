/**
 * Every request goes through the proxy when one is set: Meta's CDN (each request it saw came on one of the proxy's
 * connections) and an OCI registry (push and pull), reached under a name only the test's forward proxy can
 * resolve, so a run that succeeds sent every request through it. The Hub side is in hf-network.test.ts.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startForwardProxy, type ForwardProxy } from "../helpers/forward-proxy.js";
import { runLlamagate, startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";
import { hasProgram, startRegistry, type LocalRegistry } from "../helpers/oci-registry.js";
import { runCli } from "../helpers/run-cli.js";

const REGISTRY_NAME = "registry.proxied.test";

describe("Meta's CDN through the proxy", () => {
  let cdn: MetaCdn;
  let proxy: ForwardProxy;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"] });
    proxy = await startForwardProxy();
  });
  afterAll(async () => {
    await Promise.all([cdn.close(), proxy.close()]);
  });

  it("HTTPS_PROXY/HTTP_PROXY: the whole Meta download goes through the proxy", async () => {
    const url = cdn.url(); // https is required of a Meta link except on loopback: no made-up name here
    const dir = join(cdn.work, "via-proxy");
    const r = await runLlamagate(["download", "llama-2-7b", "--dir", dir, "--json"], {
      env: { LLAMAGATE_META_URL: url, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: "" },
    });
    expect(r.code, r.stderr).toBe(0);
    const params = "llama-2-7b/params.json";
    expect((await readFile(join(dir, params))).equals(await readFile(join(cdn.root, params)))).toBe(true);
    expect(proxy.log.length).toBeGreaterThan(0);
    expect(new Set(proxy.log.map((e) => e.target))).toEqual(new Set([new URL(cdn.cdn.origin).host]));
    expect(cdn.cdn.requests.length).toBeGreaterThan(3);
    expect(cdn.cdn.requests.filter((q) => !proxy.upstreamPorts.has(q.remotePort ?? -1))).toEqual([]);
  });
});

const HAVE = hasProgram("docker-registry");
if (!HAVE)
  console.warn("note: docker-registry not installed (apt-get install -y docker-registry): OCI proxy test skipped.");

describe.skipIf(!HAVE)("an OCI registry through the proxy (push and pull)", () => {
  let registry: LocalRegistry;
  let proxy: ForwardProxy;
  let work: string;
  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startForwardProxy({ hosts: { [REGISTRY_NAME]: "127.0.0.1" } });
    work = await mkdtemp(join(tmpdir(), "lg-oci-proxy-"));
  });
  afterAll(async () => {
    await Promise.all([registry?.stop(), proxy?.close()]);
    await rm(work, { recursive: true, force: true });
  });

  it("push with HTTP_PROXY and pull with --proxy reach the registry only through the proxy", async () => {
    const model = join(work, "llama-2-7b");
    await mkdir(model, { recursive: true });
    const weights = randomBytes(1 << 20);
    await writeFile(join(model, "consolidated.00.pth"), weights);
    await writeFile(join(model, "params.json"), '{"dim":64}\n');
    await writeFile(join(model, "LICENSE"), "LLAMA 2 COMMUNITY LICENSE AGREEMENT (test copy)\n");
    const port = registry.host.split(":")[1];
    const ref = `${REGISTRY_NAME}:${port}/models/llama-2-7b:v1`;
    const env = { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), DOCKER_CONFIG: join(work, "docker") };
    const push = await runCli(["push", model, ref, "--plain-http", "--json"], {
      env: { ...env, HTTP_PROXY: proxy.url, NO_PROXY: "" },
    });
    expect(push.code, push.stderr).toBe(0);
    const out = join(work, "pulled");
    const pull = await runCli(
      ["pull", ref, "--dir", out, "--plain-http", "--proxy", proxy.url, "--mau", "1000", "--accept-license", "--json"],
      { env: { ...env, NO_PROXY: "" } },
    );
    expect(pull.code, pull.stderr).toBe(0);
    expect((await readFile(join(out, "consolidated.00.pth"))).equals(weights)).toBe(true);
    expect(new Set(proxy.log.map((e) => e.target.split(":")[0]))).toEqual(new Set([REGISTRY_NAME]));
  });
});
