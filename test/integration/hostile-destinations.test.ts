/**
 * Issue 21 items 3, 4, 9, 10/20, 11, 15, 17 and issue 22 item 14 through the built CLI against real local
 * servers (Meta CDN, Hub stand-in, the real docker-registry): folders planted as links inside a destination
 * are never written through, the tool's own names are reserved, an endless checklist is not downloaded,
 * compressed bundles are refused, unpack checks the license with the user's facts, one overwrite rule, and
 * a destination under /proc fails at once.
 */
import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Header, Pax } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLIC_COMMIT, pseudoRandomBytes } from "../helpers/hub-fixtures.js";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";
import { hasProgram, startRegistry, type LocalRegistry } from "../helpers/oci-registry.js";
import { runMain } from "../helpers/run-main.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir("hostile-dest");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Every file and folder under `dir` (recursive), relative; [] when it does not exist. */
async function treeOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []))
    out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out.sort();
}

/** A raw tar member (header + padded body). */
function member(path: string, body: Buffer): Buffer {
  const data = { path, mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: new Date(0), type: "File" as const };
  const block = Buffer.alloc(512);
  const pax = new Header(data).encode(block, 0) ? new Pax(data).encode() : Buffer.alloc(0);
  const pad = body.length % 512 ? Buffer.alloc(512 - (body.length % 512)) : Buffer.alloc(0);
  return Buffer.concat([pax, block, body, pad]);
}

/** A bundle with these files (and the manifest first), model and license record as given. */
function bundleOf(
  files: Record<string, Buffer>,
  opts: { model?: string | null; license?: Record<string, unknown> | null } = {},
): Buffer {
  const manifest = {
    format: "llamagate-bundle",
    version: 1,
    createdAt: "2026-01-01T00:00:00Z",
    model: opts.model ?? null,
    files: Object.entries(files).map(([path, b]) => ({ path, size: b.length, sha256: sha(b) })),
    license: opts.license ?? null,
  };
  return Buffer.concat([
    member("llamagate-bundle.json", Buffer.from(JSON.stringify(manifest))),
    ...Object.entries(files).map(([p, b]) => member(p, b)),
    Buffer.alloc(1024),
  ]);
}

const errorOf = (stdout: string) => JSON.parse(stdout).error as { code: string; message: string; hint: string };

describe("unpack", () => {
  const env = () => ({ HOME: tmp(), LLAMAGATE_DATA_DIR: join(tmp(), "state") });
  const files = { "params.json": Buffer.from('{"dim":64}\n'), "sub/tokenizer.model": randomBytes(2000) };

  it("item 3: a folder planted as a link inside --dir is refused (exit 8, UNSAFE_FOLDER); nothing lands outside", async () => {
    const bundle = join(tmp(), "b.tar");
    await writeFile(bundle, bundleOf(files));
    const dest = join(tmp(), "dest");
    const elsewhere = join(tmp(), "elsewhere");
    await mkdir(dest);
    await mkdir(elsewhere);
    await symlink(elsewhere, join(dest, "sub"));
    const r = await runMain(["unpack", bundle, "--dir", dest, "--json"], { env: env() });
    expect(r.code, r.stderr).toBe(8);
    const err = errorOf(r.stdout);
    expect(err.code).toBe("UNSAFE_FOLDER");
    expect(err.message).toContain(join(dest, "sub"));
    expect(err.hint).toContain(join(dest, "sub"));
    expect(await treeOf(elsewhere)).toEqual([]);
    expect(await treeOf(dest)).toEqual(["sub"]); // the link itself; no staging folder, no lock, no params.json
  });

  it("item 15: members named like the tool's own files (lock, partial, sidecar) are refused (exit 6)", async () => {
    for (const name of [".llamagate.lock", "w.bin.llamagate-partial-1", "sub/.w.bin.llamagate.json"]) {
      const bundle = join(tmp(), "b.tar");
      await writeFile(bundle, bundleOf({ "params.json": files["params.json"], [name]: Buffer.from('{"pid":1}') }));
      const dest = join(tmp(), `dest-${name.length}`);
      const r = await runMain(["unpack", bundle, "--dir", dest, "--json"], { env: env() });
      expect(r.code, r.stderr).toBe(6);
      expect(errorOf(r.stdout)).toMatchObject({ code: "BUNDLE_RESERVED_NAME" });
      expect(errorOf(r.stdout).message).toContain(name);
      expect(await treeOf(dest)).toEqual([]);
    }
  });

  it("items 10 and 20: gzip and zstd input is refused with how to decompress it (exit 2), nothing written", async () => {
    const tar = bundleOf(files);
    const zstd = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), randomBytes(2000)]);
    for (const [what, bytes] of [
      ["gzip", gzipSync(tar)],
      ["zstd", zstd],
    ] as const) {
      const bundle = join(tmp(), `b.tar.${what}`);
      await writeFile(bundle, bytes);
      const dest = join(tmp(), `dest-${what}`);
      const r = await runMain(["unpack", bundle, "--dir", dest, "--json"], { env: env() });
      expect(r.code, r.stderr).toBe(2);
      const err = errorOf(r.stdout);
      expect(err.code).toBe("BUNDLE_COMPRESSED");
      expect(err.message).toContain(`${what}-compressed; bundles are plain tar`);
      expect(err.hint).toContain("Decompress it first");
      expect(await treeOf(dest)).toEqual([]);
    }
  });

  it("item 11: the bundle's own verdict is not trusted: the user's facts decide (exit 3); no record is said", async () => {
    const bundle = join(tmp(), "b.tar");
    const record = {
      licenseFamily: "llama2",
      licenseName: "Llama 2 Community License",
      verdict: "permitted",
      mau: 5,
      time: "2026-01-01T00:00:00Z",
    };
    await writeFile(bundle, bundleOf(files, { model: "llama-2-7b", license: record }));
    const dest = join(tmp(), "dest");
    const big = await runMain(["unpack", bundle, "--dir", dest, "--mau", "2B", "--accept-license", "--json"], {
      env: env(),
    });
    expect(big.code, big.stderr).toBe(3);
    expect(errorOf(big.stdout).code).toMatch(/REQUIRES_META_LICENSE|requires-meta-license/i);
    expect(await treeOf(dest)).toEqual([]);
    // Without facts and without an earlier acceptance here: the check asks for them, like pull.
    const none = await runMain(["unpack", bundle, "--dir", dest], { env: env() });
    expect(none.code, none.stderr).toBe(3);
    const ok = await runMain(["unpack", bundle, "--dir", dest, "--mau", "1M", "--accept-license"], { env: env() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain("License for llama-2-7b");

    const bare = join(tmp(), "bare.tar");
    await writeFile(bare, bundleOf(files));
    const r = await runMain(["unpack", bare, "--dir", join(tmp(), "dest2")], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("the bundle carries no license acceptance record");
  });

  it("issue 22 item 14: unpack over an edited file refuses without --force (exit 2) and replaces it with it", async () => {
    const bundle = join(tmp(), "b.tar");
    await writeFile(bundle, bundleOf(files));
    const dest = join(tmp(), "dest");
    expect((await runMain(["unpack", bundle, "--dir", dest], { env: env() })).code).toBe(0);
    // An identical copy is left as it is: a rerun succeeds and writes nothing.
    const same = await runMain(["unpack", bundle, "--dir", dest, "--json"], { env: env() });
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout).files.map((f: { written: boolean }) => f.written)).toEqual([false, false]);
    for (const edited of ['{"dim":65}\n', '{"dim":4096, "n_layers": 32}\n']) {
      await writeFile(join(dest, "params.json"), edited);
      const r = await runMain(["unpack", bundle, "--dir", dest, "--json"], { env: env() });
      expect(r.code, r.stderr).toBe(2);
      expect(errorOf(r.stdout)).toMatchObject({ code: "OUTPUT_EXISTS" });
      expect(errorOf(r.stdout).hint).toContain("--force");
      expect(await readFile(join(dest, "params.json"), "utf8")).toBe(edited);
    }
    const forced = await runMain(["unpack", bundle, "--dir", dest, "--force"], { env: env() });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(dest, "params.json"))).toEqual(files["params.json"]);
  });

  it("issue 22 item 14: pack -o over an existing file refuses without --force (exit 2)", async () => {
    const model = join(tmp(), "my-model");
    await mkdir(model);
    await writeFile(join(model, "params.json"), files["params.json"]);
    const out = join(tmp(), "existing.tar");
    await writeFile(out, "keep me\n");
    const r = await runMain(["pack", model, "-o", out, "--json"], { env: env() });
    expect(r.code, r.stderr).toBe(2);
    expect(errorOf(r.stdout)).toMatchObject({ code: "OUTPUT_EXISTS" });
    expect(await readFile(out, "utf8")).toBe("keep me\n");
    const forced = await runMain(["pack", model, "-o", out, "--force", "--license-family", "none"], { env: env() });
    expect(forced.code, forced.stderr).toBe(0);
    expect((await readFile(out)).subarray(0, 21).toString()).toBe("llamagate-bundle.json");
    expect((await readdir(tmp())).filter((n) => n.includes("existing.tar") && n !== "existing.tar")).toEqual([]);
  });

  it("item 17: a destination under /proc fails at once (exit 8) instead of spinning", async () => {
    const bundle = join(tmp(), "b.tar");
    await writeFile(bundle, bundleOf(files));
    const r = await runMain(["unpack", bundle, "--dir", "/proc/llamagate-test/x", "--json"], {
      env: env(),
    });
    expect(r.code, r.stderr).toBe(8);
    expect(errorOf(r.stdout).message).toContain("/proc/llamagate-test");
  });
});

describe("Meta download", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 20_000 });
  });
  afterAll(() => cdn.close());

  it("item 3: D/llama-2-7b planted as a link is refused (exit 8); nothing is written or moved aside outside", async () => {
    const out = join(tmp(), "out");
    const elsewhere = join(tmp(), "elsewhere");
    await mkdir(out);
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, "consolidated.00.pth"), "victim\n"); // would be moved aside as .corrupt
    await symlink(elsewhere, join(out, "llama-2-7b"));
    const r = await runMain(["download", "llama-2-7b", "--dir", out, "--json", "--accept-license", "--mau", "1000"], {
      env: { LLAMAGATE_META_URL: cdn.url(), HOME: tmp(), LLAMAGATE_DATA_DIR: join(tmp(), "state") },
    });
    expect(r.code, r.stderr).toBe(8);
    expect(errorOf(r.stdout)).toMatchObject({ code: "UNSAFE_FOLDER" });
    expect(errorOf(r.stdout).message).toContain(join(out, "llama-2-7b"));
    expect(await treeOf(elsewhere)).toEqual(["consolidated.00.pth"]);
    expect(await readFile(join(elsewhere, "consolidated.00.pth"), "utf8")).toBe("victim\n");
  });

  it("item 9: an endless checklist is read no further than the cap and nothing of it is kept (exit 6)", async () => {
    const out = join(tmp(), "out");
    cdn.fault("llama-2-7b/checklist.chk", { kind: "endless" });
    const r = await runMain(["download", "llama-2-7b", "--dir", out, "--json", "--accept-license", "--mau", "1000"], {
      env: { LLAMAGATE_META_URL: cdn.url(), HOME: tmp(), LLAMAGATE_DATA_DIR: join(tmp(), "state") },
    });
    expect(r.code, r.stderr).toBe(6);
    expect(errorOf(r.stdout)).toMatchObject({ code: "CHECKLIST_TOO_LARGE" });
    const sent = cdn.cdn.requests.filter((q) => q.path === "llama-2-7b/checklist.chk" && q.fault === "endless");
    expect(sent).toHaveLength(1);
    // The cap is 1 MiB; what the kernel's socket buffers took in beyond it is bounded, not the whole stream.
    expect(sent[0]!.bytesSent).toBeLessThan(64 << 20);
    expect((await treeOf(out)).filter((p) => p.startsWith("llama-2-7b/") && p.includes("checklist"))).toEqual([]);
  });

  it("item 17: --dir under /proc fails at once (exit 8)", async () => {
    const r = await runMain(
      ["download", "llama-2-7b", "--dir", "/proc/llamagate-test", "--json", "--accept-license", "--mau", "1000"],
      {
        env: { LLAMAGATE_META_URL: cdn.url(), HOME: tmp(), LLAMAGATE_DATA_DIR: join(tmp(), "state") },
      },
    );
    expect(r.code, r.stderr).toBe(8);
  });
});

describe("Hugging Face cache", () => {
  const model = pseudoRandomBytes(30_000, 7);
  let hub: HubServer;
  beforeAll(async () => {
    hub = await startHubServer({
      repos: [
        {
          id: "test-org/planted",
          commit: PUBLIC_COMMIT,
          files: [
            { path: "config.json", content: Buffer.from('{"model_type":"llama"}\n') },
            { path: "model.safetensors", content: model, lfs: true },
          ],
        },
      ],
      tokens: [],
    });
  });
  afterAll(() => hub.close());

  it("item 3: models--org--model/blobs planted as a link is refused (exit 8); nothing is written outside", async () => {
    const home = tmp();
    const repoDir = join(home, "hf", "hub", "models--test-org--planted");
    const elsewhere = join(home, "elsewhere");
    await mkdir(repoDir, { recursive: true });
    await mkdir(elsewhere);
    await symlink(elsewhere, join(repoDir, "blobs"));
    const r = await runMain(["download", "test-org/planted", "--source", "hf", "--json"], {
      env: { HOME: home, HF_HOME: join(home, "hf"), HF_ENDPOINT: hub.endpoint, LLAMAGATE_CONFIG_DIR: join(home, "c") },
    });
    expect(r.code, r.stderr).toBe(8);
    expect(errorOf(r.stdout)).toMatchObject({ code: "UNSAFE_FOLDER" });
    expect(errorOf(r.stdout).message).toContain(join(repoDir, "blobs"));
    expect(await treeOf(elsewhere)).toEqual([]);
    expect((await lstat(join(repoDir, "blobs"))).isSymbolicLink()).toBe(true);
  });
});

const HAVE_REGISTRY = hasProgram("docker-registry");
describe.skipIf(!HAVE_REGISTRY)("pull (real docker-registry)", () => {
  let registry: LocalRegistry;
  let ref: string;
  let work: string;
  const env = () => ({ HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), DOCKER_CONFIG: join(work, "docker") });
  const pull = (r: string, dir: string) =>
    runMain(["pull", r, "--dir", dir, "--plain-http", "--mau", "1M", "--accept-license", "--json"], {
      env: env(),
    });

  beforeAll(async () => {
    registry = await startRegistry();
    work = await mkdtemp(join(tmpdir(), "llamagate-hostile-pull-"));
    const model = join(work, "my-model");
    await mkdir(join(model, "sub"), { recursive: true });
    await writeFile(join(model, "params.json"), '{"dim":64}\n');
    await writeFile(join(model, "sub", "tokenizer.model"), randomBytes(3000));
    ref = `${registry.host}/models/my-model:v1`;
    const push = await runMain(["push", model, ref, "--license-family", "none", "--plain-http", "--json"], {
      env: env(),
    });
    expect(push.code, push.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("item 3: a layer's folder planted as a link is refused (exit 8); nothing lands outside", async () => {
    const dest = join(tmp(), "dest");
    const elsewhere = join(tmp(), "elsewhere");
    await mkdir(dest);
    await mkdir(elsewhere);
    await symlink(elsewhere, join(dest, "sub"));
    const r = await pull(ref, dest);
    expect(r.code, r.stderr).toBe(8);
    expect(errorOf(r.stdout)).toMatchObject({ code: "UNSAFE_FOLDER" });
    expect(await treeOf(elsewhere)).toEqual([]);
  });

  it("items 3 and 4: the config cache folder planted as a link is not written through (exit 8)", async () => {
    const dest = join(tmp(), "dest");
    const elsewhere = join(tmp(), "elsewhere");
    await mkdir(dest);
    await mkdir(elsewhere);
    await symlink(elsewhere, join(dest, ".llamagate-oci"));
    const r = await pull(ref, dest);
    expect(r.code, r.stderr).toBe(8);
    expect(errorOf(r.stdout)).toMatchObject({ code: "UNSAFE_FOLDER" });
    expect(await treeOf(elsewhere)).toEqual([]);
    // A clean destination pulls, and the config cache holds no temporary file.
    const clean = join(tmp(), "clean");
    const ok = await pull(ref, clean);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await readdir(join(clean, ".llamagate-oci"))).every((n) => /^[0-9a-f]{64}\.json$/.test(n))).toBe(true);
  });

  it("item 4: the config cache is written by the atomic writer: links planted under the old `<hex>.json.<pid>.tmp` are not followed", async () => {
    const accept = "application/vnd.oci.image.manifest.v1+json";
    const m = JSON.parse(
      await (await fetch(`http://${registry.host}/v2/models/my-model/manifests/v1`, { headers: { accept } })).text(),
    );
    const hex = String(m.config.digest).slice(7);
    const dest = join(tmp(), "dest");
    const victim = join(tmp(), "victim");
    await writeFile(victim, "precious\n");
    await mkdir(join(dest, ".llamagate-oci"), { recursive: true });
    // In-process (runMain): this process's pid is the one the command runs under.
    await symlink(victim, join(dest, ".llamagate-oci", `${hex}.json.${process.pid}.tmp`));
    const r = await runMain(["pull", ref, "--dir", dest, "--plain-http", "--mau", "1M", "--accept-license", "--json"], {
      env: { ...env(), PATH: process.env.PATH ?? "" },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(victim, "utf8")).toBe("precious\n");
    const cached = join(dest, ".llamagate-oci", `${hex}.json`);
    expect((await lstat(cached)).isFile()).toBe(true);
    expect(sha(await readFile(cached))).toBe(hex);
  });

  it("item 15: a layer named .llamagate.lock is refused (exit 6) and the live lock is not replaced", async () => {
    const base = `http://${registry.host}/v2/models/my-model/manifests`;
    const accept = "application/vnd.oci.image.manifest.v1+json";
    const m = JSON.parse(await (await fetch(`${base}/v1`, { headers: { accept } })).text());
    m.layers[0].annotations["org.cncf.model.filepath"] = ".llamagate.lock";
    m.layers[0].annotations["org.opencontainers.image.title"] = ".llamagate.lock";
    const put = await fetch(`${base}/evil`, {
      method: "PUT",
      headers: { "content-type": accept },
      body: JSON.stringify(m),
    });
    expect(put.status).toBe(201);
    const dest = join(tmp(), "dest");
    const r = await pull(`${registry.host}/models/my-model:evil`, dest);
    expect(r.code, r.stderr).toBe(6);
    expect(errorOf(r.stdout)).toMatchObject({ code: "RESERVED_NAME" });
    expect((await treeOf(dest)).filter((p) => p.includes("lock"))).toEqual([]);
  });

  it("item 17: --dir under /proc fails at once (exit 8)", async () => {
    const r = await pull(ref, "/proc/llamagate-test/x");
    expect(r.code, r.stderr).toBe(8);
  });
});
