/**
 * push / pull against the real CNCF distribution registry (Debian's docker-registry) on 127.0.0.1, with
 * skopeo as the independent client that must read what push wrote. Skips with a note when the programs
 * are missing (.ci/run installs them).
 */
import { execFile, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFaultProxy } from "../helpers/oci-fault-proxy.js";
import { hasProgram, startRegistry, type LocalRegistry } from "../helpers/oci-registry.js";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";
import { expectSameBytes } from "../helpers/expect-same-bytes.js";

const HAVE = hasProgram("docker-registry") && hasProgram("skopeo");
if (!HAVE)
  console.warn(
    "note: docker-registry or skopeo not installed (apt-get install -y docker-registry skopeo): OCI integration tests skipped.",
  );

let registry: LocalRegistry;
let work: string;
let model: string;
const files: Record<string, Buffer> = {};

beforeAll(async () => {
  if (!HAVE) return;
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-oci-"));
  model = join(work, "llama-2-7b");
  await mkdir(join(model, "sub"), { recursive: true });
  files["consolidated.00.pth"] = randomBytes(3 * 1024 * 1024 + 12345);
  files["params.json"] = Buffer.from('{"dim":64,"n_layers":2}\n');
  files["LICENSE"] = Buffer.from("LLAMA 2 COMMUNITY LICENSE AGREEMENT (test copy)\n");
  files["sub/tokenizer.model"] = randomBytes(1000);
  files["sub/empty.txt"] = Buffer.alloc(0);
  for (const [p, b] of Object.entries(files)) await writeFile(join(model, p), b);
  const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
  await writeFile(
    join(model, "checklist.chk"),
    `${md5(files["consolidated.00.pth"])}  consolidated.00.pth\n${md5(files["params.json"])}  params.json\n`,
  );
  return () => rm(work, { recursive: true, force: true });
});

/** Run skopeo without blocking the event loop (the registry's log pipe must keep draining meanwhile). */
function skopeo(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile("skopeo", args, { encoding: "utf8", maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const env = () => ({ HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), DOCKER_CONFIG: join(work, "docker") });
const blobGets = async (repo: string) =>
  (await registry.requests()).filter((l) => l.startsWith(`GET /v2/${repo}/blobs/`));

describe.skipIf(!HAVE)("OCI registry: push and pull (real docker-registry + skopeo)", () => {
  it("push -> skopeo inspect --raw -> pull byte-identical -> re-pull fetches no blob; skopeo copy to an oci: layout keeps the digest", async () => {
    const ref = `${registry.host}/models/llama-2-7b:v1`;
    const push = await runMain(["push", model, ref, "--plain-http", "--chunk-mb", "1", "--json"], { env: env() });
    expect(push.code, push.stderr).toBe(0);
    const pushed = JSON.parse(push.stdout);
    expectDocumentedShape(pushed, "push");
    expect(pushed.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(pushed.licenseFamily).toBe("llama2");
    expect(push.stderr).toContain("--plain-http");

    // An independent client reads the manifest push wrote.
    const raw = await skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]);
    expect(raw.status, raw.stderr).toBe(0);
    expect(`sha256:${createHash("sha256").update(raw.stdout).digest("hex")}`).toBe(pushed.digest);
    const manifest = JSON.parse(raw.stdout);
    expect(manifest.artifactType).toBe("application/vnd.cncf.model.manifest.v1+json");
    expect(manifest.config.mediaType).toBe("application/vnd.cncf.model.config.v1+json");
    const byPath = Object.fromEntries(
      manifest.layers.map((l: { annotations: Record<string, string> }) => [
        l.annotations["org.cncf.model.filepath"],
        l,
      ]),
    );
    expect(Object.keys(byPath).sort()).toEqual([
      "LICENSE",
      "checklist.chk",
      "consolidated.00.pth",
      "params.json",
      "sub/empty.txt",
      "sub/tokenizer.model",
    ]);
    expect(byPath["consolidated.00.pth"].mediaType).toBe("application/vnd.cncf.model.weight.v1.raw");
    expect(byPath["LICENSE"].mediaType).toBe("application/vnd.cncf.model.doc.v1.raw");
    expect(byPath["params.json"].mediaType).toBe("application/vnd.cncf.model.weight.config.v1.raw");
    expect(byPath["consolidated.00.pth"].digest).toBe(
      `sha256:${createHash("sha256").update(files["consolidated.00.pth"]!).digest("hex")}`,
    );
    const cfg = await skopeo(["inspect", "--config", "--raw", "--tls-verify=false", `docker://${ref}`]);
    expect(cfg.status, cfg.stderr).toBe(0);
    expect(JSON.parse(cfg.stdout).llamagate.licenseFamily).toBe("llama2");

    // skopeo copies it to an OCI layout unchanged (same manifest digest, same blobs).
    const layout = join(work, "layout");
    const copy = await skopeo(["copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${layout}:v1`]);
    expect(copy.status, copy.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8"));
    expect(index.manifests[0].digest).toBe(pushed.digest);
    expectSameBytes(
      await readFile(join(layout, "blobs", "sha256", byPath["consolidated.00.pth"].digest.slice(7))),
      files["consolidated.00.pth"]!,
      "the layout's blob",
    );

    // pull: byte-identical files.
    const dest = join(work, "pulled");
    const before = (await blobGets("models/llama-2-7b")).length;
    const pull = await runCli(
      ["pull", ref, "--dir", dest, "--plain-http", "--mau", "1M", "--accept-license", "--json"],
      { env: env() },
    );
    expect(pull.code, pull.stderr).toBe(0);
    const pulled = JSON.parse(pull.stdout);
    expectDocumentedShape(pulled, "pull", ["signature"]);
    expect(pulled.digest).toBe(pushed.digest);
    expect(pulled.license).toMatchObject({ family: "llama2", verdict: "permitted" });
    for (const [p, b] of Object.entries(files)) expectSameBytes(await readFile(join(dest, p)), b, p);
    // 6 layers + the config + the LICENSE read once more before any layer (the license gate looks at its text).
    expect((await blobGets("models/llama-2-7b")).length - before).toBe(8);

    // Second pull: nothing fetched (no blob GET at all), every file still verified.
    const mark = (await blobGets("models/llama-2-7b")).length;
    const again = await runMain(["pull", ref, "--dir", dest, "--plain-http", "--json"], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout);
    expect(second.bytesTransferred).toBe(0);
    expect(second.files.every((f: { downloaded: boolean }) => !f.downloaded)).toBe(true);
    expect((await blobGets("models/llama-2-7b")).length).toBe(mark);

    // Pushing the same folder again sends no layer.
    const repush = await runMain(["push", model, ref, "--plain-http", "--json"], { env: env() });
    expect(repush.code, repush.stderr).toBe(0);
    expect(JSON.parse(repush.stdout)).toMatchObject({ bytesSent: 0, digest: pushed.digest });
  }, 420_000);

  it("a blocked license verdict fetches no layer and writes nothing", async () => {
    const ref = `${registry.host}/models/blocked:v1`;
    expect((await runMain(["push", model, ref, "--plain-http"], { env: env() })).code).toBe(0);
    const before = await blobGets("models/blocked");
    const dest = join(work, "blocked");
    const r = await runMain(["pull", ref, "--dir", dest, "--plain-http", "--mau", "800M", "--accept-license"], {
      env: env(),
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/requires-meta-license/);
    const after = (await blobGets("models/blocked")).slice(before.length);
    // Only the config blob and the LICENSE were read (the gate needs them); no other layer.
    expect(after).toHaveLength(2);
    expect(await readdir(dest).catch(() => [])).toEqual([]);
  }, 120_000);

  it("an interrupted push resumes: a dropped chunk continues at the registry's offset, and a killed run's upload continues in the next run", async () => {
    const ref = (host: string) => `${host}/models/resume:v1`;
    const big = files["consolidated.00.pth"]!;
    const bigDigest = `sha256:${createHash("sha256").update(big).digest("hex")}`;
    // 1. The proxy drops the connection of the 2nd PATCH before forwarding it: the client asks the upload URL
    //    for its offset and goes on from 1 MiB (no new upload session for that blob).
    const proxy = await startFaultProxy({
      target: registry.host,
      fault: (req, n) => (req.method === "PATCH" && n === 2 ? "drop" : undefined),
    });
    try {
      const r = await runMain(
        ["push", model, ref(proxy.host), "--plain-http", "--chunk-mb", "1", "--concurrency", "1"],
        { env: env() },
      );
      expect(r.code, r.stderr).toBe(0);
      const patches = proxy.log.filter((l) => l.method === "PATCH").map((l) => l.contentRange);
      expect(patches).toEqual([
        "0-1048575",
        "1048576-2097151",
        "1048576-2097151",
        "2097152-3145727",
        "3145728-3158072",
      ]);
      expect(proxy.log.filter((l) => l.method === "POST")).toHaveLength(7); // one upload session per blob (6 files + the config), no restart
      expect(proxy.log.some((l) => l.method === "GET" && l.url.includes("/blobs/uploads/"))).toBe(true);
    } finally {
      await proxy.stop();
    }

    // 2. A run killed while its 3rd chunk is in flight: the next run resumes the same upload at 2 MiB.
    const ref2 = (host: string) => `${host}/models/resume2:v1`;
    let child: ChildProcess | undefined;
    const proxy2 = await startFaultProxy({
      target: registry.host,
      fault: (req, n) => {
        if (req.method === "PATCH" && n === 3) {
          child?.kill("SIGKILL");
          return "hold";
        }
        return undefined;
      },
    });
    try {
      const killed = await runCli(
        ["push", model, ref2(proxy2.host), "--plain-http", "--chunk-mb", "1", "--concurrency", "1"],
        { env: env(), onSpawn: (c) => (child = c) },
      );
      expect(killed.code).toBe(null);
      proxy2.setFault(undefined);
      proxy2.log.length = 0;
      const r = await runMain(
        ["push", model, ref2(proxy2.host), "--plain-http", "--chunk-mb", "1", "--concurrency", "1"],
        { env: env() },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("resuming the upload at 2.0 MiB");
      const patches = proxy2.log.filter((l) => l.method === "PATCH").map((l) => l.contentRange);
      expect(patches).toEqual(["2097152-3145727", "3145728-3158072"]);
    } finally {
      await proxy2.stop();
    }
    const dest = join(work, "resumed");
    const pull = await runMain(
      ["pull", ref2(registry.host), "--dir", dest, "--plain-http", "--mau", "1M", "--accept-license"],
      { env: env() },
    );
    expect(pull.code, pull.stderr).toBe(0);
    expect(
      createHash("sha256")
        .update(await readFile(join(dest, "consolidated.00.pth")))
        .digest("hex"),
    ).toBe(bigDigest.slice(7));
  }, 180_000);

  it("a push killed while its chunk was half-way to the registry: the rerun asks the upload status and says it restarts", async () => {
    // CNCF distribution keeps the half chunk and then cancels that upload ("upload resumed at wrong offset"): the
    // rerun must learn that from the upload status and say so, not resend everything silently.
    let child: ChildProcess | undefined;
    const proxy = await startFaultProxy({
      target: registry.host,
      fault: (req, n) => {
        if (req.method === "PATCH" && n === 3) {
          req.once("data", () => child?.kill("SIGKILL"));
          return { partial: 300_000 };
        }
        return undefined;
      },
    });
    const ref = `${proxy.host}/models/halfchunk:v1`;
    const args = ["push", model, ref, "--plain-http", "--chunk-mb", "1", "--concurrency", "1"];
    try {
      const killed = await runCli(args, { env: env(), onSpawn: (c) => (child = c) });
      expect(killed.code).toBe(null);
      proxy.setFault(undefined);
      proxy.log.length = 0;
      const r = await runMain(args, { env: env() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /consolidated\.00\.pth: restarting the upload: the registry no longer accepts the interrupted upload \(its upload status answered HTTP 404/,
      );
      // It asked the upload status before starting again.
      const first = proxy.log.findIndex((l) => l.method === "GET" && l.url.includes("/blobs/uploads/"));
      const post = proxy.log.findIndex((l) => l.method === "POST");
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThan(post);
    } finally {
      await proxy.stop();
    }
  }, 120_000);
});
