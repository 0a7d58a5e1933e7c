/**
 * The registry client against hostile registries (test/helpers/hostile-registry.ts): credentials chosen per
 * registry host (provision with two registries), the one license-gate selection for pull and provision (a
 * declared family without a catalog name, a Llama LICENSE text under an Apache-2.0 label), capped bodies, the
 * config blob behind a redirect, token-service (realm) checks, credentials echoed in error bodies, and a
 * deadline on metadata requests. Runs the CLI in-process (runMain): the process boundary is not what is tested.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drip, endless, startHostileRegistry, type HostileRegistry } from "../helpers/hostile-registry.js";
import { runMain } from "../helpers/run-main.js";
import { expectSameBytes } from "../helpers/expect-same-bytes.js";

const USER = "fleet";
const PASSWORD = "s3cret-Passw0rd-xyz";
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
const LLAMA2_LICENSE = Buffer.from(
  "LLAMA 2 COMMUNITY LICENSE AGREEMENT\nLlama 2 Version Release Date: July 18, 2023\n(test copy)\n",
);
const weights = Buffer.alloc(50_000, 7);

let work: string;
const started: HostileRegistry[] = [];
const start = async (...a: Parameters<typeof startHostileRegistry>) => {
  const r = await startHostileRegistry(...a);
  started.push(r);
  return r;
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-oci-hostile-"));
});
afterAll(async () => {
  for (const r of started) await r.close();
  await rm(work, { recursive: true, force: true });
});

let n = 0;
/** A fresh HOME / data folder / Docker config folder. */
async function home(dockerAuths?: Record<string, string>) {
  const h = join(work, `h${n++}`);
  await mkdir(join(h, "docker"), { recursive: true });
  if (dockerAuths)
    await writeFile(
      join(h, "docker", "config.json"),
      JSON.stringify({ auths: Object.fromEntries(Object.entries(dockerAuths).map(([k, v]) => [k, { auth: v }])) }),
    );
  return { HOME: h, LLAMAGATE_DATA_DIR: join(h, "state"), DOCKER_CONFIG: join(h, "docker") } as Record<string, string>;
}

const plainModel = { repo: "models/plain", tag: "1", files: { "model.gguf": weights } };

describe("credentials are chosen per registry host", () => {
  it("provision pulling from A (creds in Docker config.json) and B: B receives no Authorization header", async () => {
    const a = await start({ artifacts: [plainModel], basicAuth: { user: USER, password: PASSWORD } });
    const b = await start({ artifacts: [plainModel] });
    const env = await home({ [a.host]: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") });
    const file = join(env.HOME!, "fleet.yaml");
    const model = (host: string, dir: string) =>
      `  - name: ${host}/models/plain:1\n    source: oci\n    plainHttp: true\n    dir: ${join(env.HOME!, dir)}\n`;
    await writeFile(file, `models:\n${model(a.host, "a")}${model(b.host, "b")}`);
    const r = await runMain(["provision", file, "--json"], { env });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).models.map((m: { status: string }) => m.status)).toEqual([
      "provisioned",
      "provisioned",
    ]);
    expect(a.requests.some((q) => q.authorization === BASIC)).toBe(true);
    expect(b.requests.length).toBeGreaterThan(0);
    expect(b.requests.filter((q) => q.authorization !== undefined)).toEqual([]);
    expectSameBytes(await readFile(join(env.HOME!, "b", "model.gguf")), weights, "model.gguf");

    // LLAMAGATE_REGISTRY_USERNAME/PASSWORD name no registry: with two registries they need LLAMAGATE_REGISTRY_HOST.
    const both = { ...env, LLAMAGATE_REGISTRY_USERNAME: USER, LLAMAGATE_REGISTRY_PASSWORD: PASSWORD };
    const refused = await runMain(["provision", file, "--json"], { env: both });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain("REGISTRY_HOST_REQUIRED");
    const before = b.requests.length;
    const scoped = await runMain(["provision", file, "--json"], { env: { ...both, LLAMAGATE_REGISTRY_HOST: a.host } });
    expect(scoped.code, scoped.stdout).toBe(0);
    expect(b.requests.slice(before).filter((q) => q.authorization !== undefined)).toEqual([]);
    expect(scoped.stdout + scoped.stderr).not.toContain(PASSWORD);
  }, 60_000);
});

describe("one license-gate selection for pull and provision", () => {
  it("an artifact that declares the Llama 2 family without a catalog name: pull and provision both exit 3 at 800M MAU, no layer fetched", async () => {
    const reg = await start({
      artifacts: [
        {
          repo: "models/fam",
          tag: "1",
          files: { "model.gguf": weights },
          config: { descriptor: { name: "some-finetune" }, config: {}, llamagate: { licenseFamily: "llama2" } },
        },
      ],
    });
    const env = await home();
    const pull = await runMain(
      [
        "pull",
        `${reg.host}/models/fam:1`,
        "--dir",
        join(env.HOME!, "p"),
        "--plain-http",
        "--mau",
        "800M",
        "--accept-license",
      ],
      { env },
    );
    expect(pull.code, pull.stderr).toBe(3);
    expect(pull.stderr).toMatch(/requires-meta-license/);
    const file = join(env.HOME!, "m.yaml");
    await writeFile(
      file,
      `license: { mau: 800M, acceptLicense: true }\nmodels:\n  - name: ${reg.host}/models/fam:1\n    source: oci\n    plainHttp: true\n    dir: ${join(env.HOME!, "d")}\n`,
    );
    const prov = await runMain(["provision", file, "--json"], { env });
    expect(prov.code, prov.stdout).toBe(3);
    const m = JSON.parse(prov.stdout).models[0];
    expect(m.error.code).toBe("LICENSE_REQUIRES_META_LICENSE");
    // The hint names what provision accepts (the manifest's license.override), not pull's flag.
    expect(m.error.hint).toContain("license.override");
    expect(m.error.hint).not.toContain("--license-override");
    const weightBlob = `sha256:${createHash("sha256").update(weights).digest("hex")}`;
    expect(reg.requests.filter((q) => q.url.includes(weightBlob))).toEqual([]);
  }, 60_000);

  it("Llama weights labelled Apache-2.0 with the Llama 2 LICENSE text get the Llama gate (pull exits 3 at 800M MAU)", async () => {
    const reg = await start({
      artifacts: [
        {
          repo: "models/mystery",
          tag: "1",
          files: { "model.gguf": weights, LICENSE: LLAMA2_LICENSE },
          config: { descriptor: { name: "mystery", licenses: ["Apache-2.0"] }, config: {} },
        },
      ],
    });
    const env = await home();
    const dest = join(env.HOME!, "p");
    const args = ["pull", `${reg.host}/models/mystery:1`, "--dir", dest, "--plain-http", "--accept-license"];
    const r = await runMain([...args, "--mau", "800M"], { env });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/requires-meta-license/);
    expect(r.stderr).toContain("its LICENSE file is the Llama 2 Community License Agreement");
    expect(await readdir(dest).catch(() => [])).toEqual([]);
    const ok = await runMain([...args, "--mau", "1M", "--json"], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).license).toMatchObject({ family: "llama2", verdict: "permitted" });
  }, 60_000);
});

describe("hostile bodies, redirects, realms, echoes and slow registries", () => {
  it("a 404 with an endless body, an endless config blob and an endless token answer are cut and refused, saying so", async () => {
    let mode = "404";
    const reg = await start({
      artifacts: [plainModel],
      handle: (req, res) => {
        if (mode === "404" && req.url!.includes("/manifests/")) return (endless(res, 404), true);
        if (mode === "config" && req.url!.includes("/blobs/sha256:")) return (endless(res, 200), true);
        if (mode === "token") {
          if (req.url!.startsWith("/token")) return (endless(res, 200), true);
          if (!req.headers.authorization)
            return (res.writeHead(401, { "www-authenticate": `Bearer realm="/token",service="x"` }).end(), true);
        }
        return false;
      },
    });
    const env = await home();
    const pull = () =>
      runMain(["pull", `${reg.host}/models/plain:1`, "--dir", join(env.HOME!, "p"), "--plain-http", "--json"], {
        env,
      });
    const notFound = await pull();
    expect(notFound.code).toBe(5);
    expect(JSON.parse(notFound.stdout).error.message).toMatch(/HTTP 404 .*larger than 4 MiB: cut there, not read/);
    mode = "config";
    const config = await pull();
    expect(config.code).toBe(6);
    expect(JSON.parse(config.stdout).error.message).toMatch(/model config .* larger than 4194304 bytes; it was cut/);
    mode = "token";
    const token = await pull();
    expect(token.code).toBe(7);
    expect(JSON.parse(token.stdout).error.message).toMatch(/token service .* sent more than 1048576 bytes/);
  }, 60_000);

  it("follows a 307 on the config blob to another host, without the Authorization header there", async () => {
    const cdn = await start({ artifacts: [plainModel] });
    const reg = await start({
      artifacts: [plainModel],
      basicAuth: { user: USER, password: PASSWORD },
      handle: (req, res) => {
        const cfg = cdn.configDigest("models/plain");
        if (req.url === `/v2/models/plain/blobs/${cfg}` && req.headers.authorization === BASIC) {
          res.writeHead(307, { location: `http://${cdn.host}/v2/models/plain/blobs/${cfg}?X-Amz-Signature=abc` });
          res.end();
          return true;
        }
        return false;
      },
    });
    const env = await home({ [reg.host]: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") });
    const r = await runMain(
      ["pull", `${reg.host}/models/plain:1`, "--dir", join(env.HOME!, "p"), "--plain-http", "--json"],
      { env },
    );
    expect(r.code, r.stdout).toBe(0);
    const atCdn = cdn.requests.filter((q) => q.url.includes(cdn.configDigest("models/plain")));
    expect(atCdn).toHaveLength(1);
    expect(atCdn[0]!.authorization).toBeUndefined();
  }, 60_000);

  it("a token service on another host gets no credentials unless allowed (--allow-token-realm-host)", async () => {
    const tokenServer = await start({
      handle: (req, res) => {
        const ok = req.headers.authorization === BASIC;
        res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
        res.end(ok ? JSON.stringify({ token: "tok-abcdef123456" }) : "{}");
        return true;
      },
    });
    // "localhost:<port>" is another host than the registry's "127.0.0.1:<port>".
    const realmHost = tokenServer.host.replace("127.0.0.1", "localhost");
    const reg = await start({
      artifacts: [plainModel],
      handle: (req, res) => {
        if (req.headers.authorization === "Bearer tok-abcdef123456") return false;
        res.writeHead(401, { "www-authenticate": `Bearer realm="http://${realmHost}/token",service="reg"` }).end();
        return true;
      },
    });
    const env: Record<string, string> = {
      ...(await home()),
      LLAMAGATE_REGISTRY_USERNAME: USER,
      LLAMAGATE_REGISTRY_PASSWORD: PASSWORD,
    };
    const args = ["pull", `${reg.host}/models/plain:1`, "--dir", join(env.HOME!, "p"), "--plain-http", "--json"];
    const refused = await runMain(args, { env });
    expect(refused.code).toBe(4);
    const err = JSON.parse(refused.stdout).error;
    expect(err.code).toBe("REGISTRY_TOKEN_REALM_REFUSED");
    expect(err.hint).toContain(`--allow-token-realm-host ${realmHost}`);
    expect(tokenServer.requests).toEqual([]);
    const allowed = await runMain([...args, "--allow-token-realm-host", realmHost], { env });
    expect(allowed.code, allowed.stdout).toBe(0);
    expect(allowed.stdout + allowed.stderr).not.toContain("tok-abcdef123456");
  }, 60_000);

  it("a registry that echoes the credentials in its error body: they are redacted in the message and in --json", async () => {
    const reg = await start({
      handle: (req, res) => {
        const auth = req.headers.authorization;
        if (!auth) return (res.writeHead(401, { "www-authenticate": 'Basic realm="x"' }).end(), true);
        const b64 = auth.slice(6);
        const plain = Buffer.from(b64, "base64").toString();
        res.writeHead(403, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            errors: [{ code: "DENIED", message: `denied ${auth} (${b64}) for ${plain} pw=${PASSWORD}` }],
          }),
        );
        return true;
      },
    });
    const env: Record<string, string> = {
      ...(await home()),
      LLAMAGATE_REGISTRY_USERNAME: USER,
      LLAMAGATE_REGISTRY_PASSWORD: PASSWORD,
    };
    const r = await runMain(
      ["pull", `${reg.host}/models/plain:1`, "--dir", join(env.HOME!, "p"), "--plain-http", "--json"],
      { env },
    );
    expect(r.code).toBe(4);
    const out = r.stdout + r.stderr;
    expect(JSON.parse(r.stdout).error.message).toMatch(/DENIED: denied/);
    for (const secret of [PASSWORD, BASIC.slice(6), BASIC.slice(6).replace(/=+$/, ""), `${USER}:${PASSWORD}`])
      expect(out).not.toContain(secret);
  }, 60_000);

  it("a registry that sends one byte at a time is given up on at the metadata deadline (LLAMAGATE_REGISTRY_TIMEOUT)", async () => {
    const reg = await start({
      artifacts: [plainModel],
      handle: (req, res) => (req.url!.includes("/manifests/") ? (drip(res, 200), true) : false),
    });
    const env: Record<string, string> = { ...(await home()), LLAMAGATE_REGISTRY_TIMEOUT: "0.5" };
    const r = await runMain(
      ["pull", `${reg.host}/models/plain:1`, "--dir", join(env.HOME!, "p"), "--plain-http", "--json"],
      { env },
    );
    expect(r.code).toBe(7);
    const err = JSON.parse(r.stdout).error;
    expect(err.code).toBe("REGISTRY_TIMEOUT");
    expect(err.message).toContain("did not answer in full within 0.5 s");
    expect(err.hint).toContain("LLAMAGATE_REGISTRY_TIMEOUT");
  }, 60_000);

  it("an http registry without --plain-http fails at once with the cause and points to --plain-http", async () => {
    const reg = await start({ artifacts: [plainModel] });
    const r = await runMain(["pull", `${reg.host}/models/plain:1`, "--dir", join(work, "never"), "--json"], {
      env: await home(),
    });
    expect(r.code).toBe(2);
    const err = JSON.parse(r.stdout).error;
    expect(err.code).toBe("REGISTRY_PLAIN_HTTP");
    expect(err.message).toBe(`${reg.host} answered plain HTTP to an HTTPS request.`);
    expect(err.hint).toContain("--plain-http");
    expect(r.stdout + r.stderr).not.toMatch(/\\n|ssl3_|SSL routines/);
  });

  it.each([["127.0.0.1:99999/a/b:1"], ["[::1/a/b:1"], ["a..b.example/x:1"], ["a.example:abc/x:1"]])(
    "a malformed registry host (%s) is a usage error with a hint",
    async (ref) => {
      const r = await runMain(["pull", ref, "--dir", join(work, "never"), "--json"], { env: await home() });
      expect(r.code).toBe(2);
      const err = JSON.parse(r.stdout).error;
      expect(err.code).toBe("BAD_OCI_REFERENCE");
      expect(err.hint).toMatch(/host\[:port\]/);
    },
  );
});
