/**
 * Native Xet downloads (issue 18) against the Xet storage stand-in (test/helpers/xet-server.ts) wired into the Hub
 * stand-in: the stand-in is first judged by an independent client (@huggingface/hub's XetBlob), then the built CLI
 * downloads a gated Xet repo natively, and survives the storage's faults.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { downloadFile, scanCacheDir } from "@huggingface/hub";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startForwardProxy } from "../helpers/forward-proxy.js";
import { pseudoRandomBytes, TOKENS } from "../helpers/hub-fixtures.js";
import { sha256, startHubServer, type HubRepoSpec, type HubServer } from "../helpers/hub-server.js";
import { CLI, type CliRun } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { startXetServer, type XetServer } from "../helpers/xet-server.js";

const REPO = "meta-llama/Llama-Xet-Test";
const COMMIT = "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b";
const CHUNK = 16 << 10;
// Two weight files sharing chunks (stored once), sizes not a multiple of the chunk size. B takes A's chunks 0-9 and
// 14-19: A's second xorb (chunks 8-15) serves B two separate ranges, fetched in one multi-range request.
const A = pseudoRandomBytes(40 * CHUNK + 1234, 31);
const B = Buffer.concat([
  A.subarray(0, 10 * CHUNK),
  pseudoRandomBytes(10 * CHUNK, 32),
  A.subarray(14 * CHUNK, 20 * CHUNK),
  pseudoRandomBytes(15 * CHUNK + 77, 33),
]);
const CONFIG = Buffer.from('{"architectures":["LlamaForCausalLM"]}\n');

const repo = (): HubRepoSpec => ({
  id: REPO,
  gated: "manual",
  commit: COMMIT,
  files: [
    { path: "config.json", content: CONFIG },
    { path: "model-00001-of-00002.safetensors", content: A, xet: true },
    { path: "model-00002-of-00002.safetensors", content: B, xet: true },
  ],
});
const tokens = [
  { token: TOKENS.granted, user: "alice", role: "read" as const, access: { [REPO]: "granted" as const } },
];

let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "lg-xet-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Servers {
  hub: HubServer;
  xet: XetServer;
}
let open: Servers[] = [];
afterEach(async () => {
  for (const s of open) await Promise.all([s.hub.close(), s.xet.close()]);
  open = [];
});
async function servers(xetOpts: Parameters<typeof startXetServer>[0] = {}): Promise<Servers> {
  const xet = await startXetServer({ chunkBytes: CHUNK, chunksPerXorb: 8, ...xetOpts });
  const hub = await startHubServer({ repos: [repo()], tokens, xet });
  const s = { hub, xet };
  open.push(s);
  return s;
}
async function freshHome() {
  const home = join(root, `u${n++}`);
  await mkdir(home, { recursive: true });
  return home;
}
/** The CLI in this process (no Node start-up per run); the kill -9 case spawns the built CLI itself. */
function dl(s: Servers, home: string, args: string[] = [], env: Record<string, string> = {}): Promise<CliRun> {
  return runMain(["download", REPO, "--source", "hf", "--json", ...args], {
    env: {
      HOME: home,
      HF_HOME: join(home, "hf"),
      HF_ENDPOINT: s.hub.endpoint,
      HF_TOKEN: TOKENS.granted,
      LLAMAGATE_CONFIG_DIR: join(home, "cfg"),
      ...env,
    },
  });
}
const repoDir = (home: string) => join(home, "hf", "hub", "models--meta-llama--Llama-Xet-Test");
const blob = (home: string, b: Buffer) => join(repoDir(home), "blobs", sha256(b));
const cdnGets = (s: Servers) => s.hub.requests.filter((q) => q.server === "cdn" && q.method === "GET");
const kinds = (s: Servers, kind: string) => s.xet.requests.filter((q) => q.kind === kind);

describe("the Xet storage stand-in speaks the protocol (judged by @huggingface/hub)", () => {
  it("@huggingface/hub's XetBlob and llamagate both rebuild the files byte for byte from it", async () => {
    const s = await servers();
    const [none, lz4, bg4] = s.xet.schemeCounts();
    expect(none).toBeGreaterThan(0);
    expect(lz4).toBeGreaterThan(0);
    expect(bg4).toBeGreaterThan(0);
    // Shared chunks: B's first 20 chunks are A's, so B's first xorbs are A's.
    const ids = [sha256(A), sha256(B)];
    expect(ids[0]).not.toBe(ids[1]);

    // The independent client: @huggingface/hub asks /resolve for Xet file info, then XetBlob does the rest.
    for (const [path, want] of [
      ["model-00001-of-00002.safetensors", A],
      ["model-00002-of-00002.safetensors", B],
    ] as const) {
      const got = await downloadFile({
        repo: REPO,
        path,
        revision: COMMIT,
        hubUrl: s.hub.endpoint,
        accessToken: TOKENS.granted,
        fetch: (input, init) => fetch(input, init),
      });
      expect(got?.constructor.name).toBe("XetBlob");
      expect(sha256(Buffer.from(await got!.arrayBuffer()))).toBe(sha256(want));
    }
    expect(kinds(s, "reconstruction").length).toBeGreaterThan(0);
    expect(kinds(s, "xorb").some((q) => q.range?.includes(","))).toBe(true); // multi-range requests were served
    expect(cdnGets(s)).toEqual([]);

    // llamagate, natively: reconstruction + xorb requests, no bridge GET of the weights.
    s.xet.requests.length = 0;
    const home = await freshHome();
    const r = await dl(s, home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, commit: COMMIT });
    const viaXet = (run: CliRun) =>
      Object.fromEntries(
        (JSON.parse(run.stdout) as { files: { path: string; xet: boolean }[] }).files.map((f) => [f.path, f.xet]),
      );
    expect(viaXet(r)).toEqual({
      "config.json": false,
      "model-00001-of-00002.safetensors": true,
      "model-00002-of-00002.safetensors": true,
    });
    expect(sha256(await readFile(blob(home, A)))).toBe(sha256(A));
    expect(sha256(await readFile(blob(home, B)))).toBe(sha256(B));
    expect(kinds(s, "reconstruction").map((q) => q.version)).toEqual(["v2", "v2"]);
    expect(kinds(s, "xorb").some((q) => q.range?.includes(","))).toBe(true);
    expect(cdnGets(s)).toEqual([]);
    // The Hub token never goes to the storage, the storage token never to the Hub.
    for (const q of s.xet.requests) expect(q.authorization ?? "").not.toContain(TOKENS.granted);
    expect(kinds(s, "xorb").every((q) => q.authorization === undefined)).toBe(true);
    for (const q of s.hub.requests) expect(q.authorization ?? "").not.toMatch(/xet_/);
    // No token or signed URL in the output.
    expect(r.stdout + r.stderr).not.toMatch(/xet_[0-9a-f]|Signature=|X-Xet-Signed-Range/);

    // A rerun fetches nothing, and huggingface.js reads the cache llamagate wrote.
    const before = s.xet.requests.length;
    const again = await dl(s, home);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ bytesTransferred: 0 });
    expect(s.xet.requests.length).toBe(before);
    const scan = await scanCacheDir(join(home, "hf", "hub"));
    const cached = scan.repos.find((x) => x.id.name === REPO);
    expect(cached?.revisions[0]?.commitOid).toBe(COMMIT);
    expect(cached?.revisions[0]?.files.map((f) => f.path.split("/").pop()).sort()).toEqual(
      ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"].sort(),
    );
  });
});

describe("native Xet downloads survive the storage's faults", () => {
  it("a xorb body dropped mid-way is fetched again: right bytes", async () => {
    const s = await servers({ faults: { dropXorb: 2 } });
    const home = await freshHome();
    const r = await dl(s, home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(sha256(await readFile(blob(home, A)))).toBe(sha256(A));
    expect(sha256(await readFile(blob(home, B)))).toBe(sha256(B));
    expect(s.xet.faults.dropXorb).toBe(0);
    expect(cdnGets(s)).toEqual([]);
  });

  it("503 from the reconstruction service is retried; the v1 route is used where v2 is missing", async () => {
    const s = await servers({ faults: { reconstruction503: 2, noV2: true } });
    const home = await freshHome();
    const r = await dl(s, home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(sha256(await readFile(blob(home, A)))).toBe(sha256(A));
    expect(kinds(s, "reconstruction").filter((q) => q.status === 503).length).toBe(2);
    expect(kinds(s, "reconstruction").some((q) => q.version === "v1" && q.status === 200)).toBe(true);
    expect(kinds(s, "xorb").every((q) => !q.range?.includes(","))).toBe(true); // v1: one range per request
  });

  it("a reconstruction service that keeps answering 503 ends in a clear error (exit 7), nothing published", async () => {
    // Retry-After: 0 so the 5 retries wait the shortest delay, not the growing backoff (about 7 s; the backoff has
    // its unit tests): the error after the last retry is what this checks.
    const s = await servers({ faults: { reconstruction503: 1000, reconstruction503RetryAfter: "0" } });
    const home = await freshHome();
    const r = await dl(s, home, ["--include", "model-00001-of-00002.safetensors"]);
    expect(r.code).toBe(7);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "XET_RECONSTRUCTION_FAILED" });
    expect(JSON.parse(r.stdout).error.hint).toMatch(/--no-xet/);
    expect(r.stdout + r.stderr).not.toMatch(/xet_[0-9a-f]|Signature=|X-Xet-Signed-Range|hf_/);
    expect(existsSync(blob(home, A))).toBe(false);
  }, 60_000);

  it("an expired storage token is replaced by a fresh one from the Hub; expired signed URLs by a fresh reconstruction", async () => {
    const s = await servers({ faults: { expireNextToken: true, expireUrlsAtFirstUse: true } });
    const home = await freshHome();
    const r = await dl(s, home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(sha256(await readFile(blob(home, A)))).toBe(sha256(A));
    expect(sha256(await readFile(blob(home, B)))).toBe(sha256(B));
    expect(s.hub.requests.filter((q) => q.path.includes("/xet-read-token/")).length).toBeGreaterThanOrEqual(2);
    expect(kinds(s, "reconstruction").some((q) => q.status === 401)).toBe(true);
    expect(kinds(s, "xorb").some((q) => q.status === 403)).toBe(true);
  });

  it("signed URLs that expire mid-file: one fresh reconstruction gives every request still to come its new URL", async () => {
    // 2 chunks per xorb: 21 xorb requests for the file, more than the 8 connections, so most start after the refresh.
    const s = await servers({ chunksPerXorb: 2, faults: { expireUrlsAtFirstUse: true } });
    const home = await freshHome();
    const r = await dl(s, home, ["--include", "model-00001-of-00002.safetensors"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(sha256(await readFile(blob(home, A)))).toBe(sha256(A));
    expect(kinds(s, "xorb").length).toBeGreaterThan(16);
    expect(kinds(s, "reconstruction").filter((q) => q.status === 200).length).toBe(2);
  });

  it("a corrupt chunk header is refused (XET_CORRUPT_CHUNK, exit 6): nothing is published", async () => {
    const s = await servers();
    const xorb = s.xet.xorbsOf(s.xet.addFile(A))[1]!;
    s.xet.faults.corruptChunk = { xorb, chunk: 3, kind: "header" };
    const home = await freshHome();
    const r = await dl(s, home, ["--include", "model-00001-of-00002.safetensors"]);
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "XET_CORRUPT_CHUNK" });
    expect(r.stdout + r.stderr).not.toMatch(/xet_[0-9a-f]|Signature=|X-Xet-Signed-Range|hf_/);
    expect(existsSync(blob(home, A))).toBe(false);
    expect(existsSync(join(repoDir(home), "snapshots", COMMIT, "model-00001-of-00002.safetensors"))).toBe(false);
  });

  it("chunk data that decodes but is wrong fails the sha256 check (exit 6): nothing is published", async () => {
    const s = await servers();
    const xorb = s.xet.xorbsOf(s.xet.addFile(A))[2]!;
    s.xet.faults.corruptChunk = { xorb, chunk: 0, kind: "data" }; // chunk 0 of each xorb is stored uncompressed
    const home = await freshHome();
    const r = await dl(s, home, ["--include", "model-00001-of-00002.safetensors"]);
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "CHECKSUM_MISMATCH" });
    expect(existsSync(blob(home, A))).toBe(false);
  });

  it("--no-xet downloads through the LFS bridge, with a Range header, and no Xet request", async () => {
    const s = await servers();
    const home = await freshHome();
    const r = await dl(s, home, ["--no-xet"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { files: { xet: boolean }[] }).files.map((f) => f.xet)).toEqual([
      false,
      false,
      false,
    ]);
    expect(sha256(await readFile(blob(home, A)))).toBe(sha256(A));
    expect(s.xet.requests).toEqual([]);
    expect(cdnGets(s).length).toBe(2);
    expect(cdnGets(s).every((q) => q.range?.startsWith("bytes=0-"))).toBe(true);
  });

  it("a mirror without the Xet token route still works: the files come through the bridge", async () => {
    const s = await servers();
    s.hub.faults.noXetTokenRoute = true;
    const home = await freshHome();
    const r = await dl(s, home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(sha256(await readFile(blob(home, B)))).toBe(sha256(B));
    expect(s.xet.requests).toEqual([]);
    expect(cdnGets(s).length).toBe(2);
  });

  it("--local-dir gets the same native download, as plain files", async () => {
    const s = await servers();
    const home = await freshHome();
    const dir = join(home, "model");
    const r = await dl(s, home, ["--local-dir", dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(sha256(await readFile(join(dir, "model-00001-of-00002.safetensors")))).toBe(sha256(A));
    expect(sha256(await readFile(join(dir, "model-00002-of-00002.safetensors")))).toBe(sha256(B));
    expect(cdnGets(s)).toEqual([]);
    expect(kinds(s, "xorb").length).toBeGreaterThan(0);
  });

  it("with a proxy set, every Hub and Xet request goes through it", async () => {
    const s = await servers();
    const proxy = await startForwardProxy();
    try {
      const home = await freshHome();
      const r = await dl(s, home, [], { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(sha256(await readFile(blob(home, B)))).toBe(sha256(B));
      expect(kinds(s, "xorb").length).toBeGreaterThan(0);
      expect(s.xet.requests.filter((q) => !proxy.upstreamPorts.has(q.remotePort ?? -1))).toEqual([]);
      expect(s.hub.requests.filter((q) => !proxy.upstreamPorts.has(q.remotePort ?? -1))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("kill -9 mid-download, then a rerun fetches only what is missing", async () => {
    const s = await servers();
    const idA = s.xet.addFile(A);
    const xorbs = s.xet.xorbsOf(idA);
    expect(xorbs.length).toBe(6);
    const stalled = xorbs[4]!;
    s.xet.faults.stallXorbs = [stalled];
    const home = await freshHome();
    const env = {
      HOME: home,
      HF_HOME: join(home, "hf"),
      HF_ENDPOINT: s.hub.endpoint,
      HF_TOKEN: TOKENS.granted,
      LLAMAGATE_CONFIG_DIR: join(home, "cfg"),
      PATH: process.env.PATH ?? "",
      NO_COLOR: "1",
    };
    const child = spawn(
      process.execPath,
      [CLI, "download", REPO, "--source", "hf", "--include", "model-00001-of-00002.safetensors", "--json"],
      { env, stdio: "ignore" },
    );
    // Wait until every xorb but the stalled one was served and the resume state records their terms.
    const state = `${blob(home, A)}.llamagate-parts.json`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const st = existsSync(state)
        ? (JSON.parse(await readFile(state, "utf8").catch(() => "{}")) as { parts?: { done: number }[] })
        : {};
      if ((st.parts ?? []).filter((x) => x.done > 0).length >= 5) break;
      if (Date.now() > deadline) throw new Error("the download did not get far enough");
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("close", r));
    expect(existsSync(blob(home, A))).toBe(false);

    s.xet.faults.stallXorbs = [];
    s.xet.requests.length = 0;
    const r = await dl(s, home, ["--include", "model-00001-of-00002.safetensors"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(sha256(await readFile(blob(home, A)))).toBe(sha256(A));
    // Only the missing xorb was fetched, and the reconstruction asked for the missing bytes only.
    expect(kinds(s, "xorb").map((q) => q.id)).toEqual([stalled]);
    expect(kinds(s, "reconstruction")[0]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    const j = JSON.parse(r.stdout) as { bytesTransferred: number };
    expect(j.bytesTransferred).toBeLessThan(A.length / 3);
    expect(await readdir(join(repoDir(home), "blobs"))).toEqual([sha256(A)]);
  });
});
