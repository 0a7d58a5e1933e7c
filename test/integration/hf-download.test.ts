import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitBlobSha1, sha256, startHubServer, type HubRepoSpec, type HubServer } from "../helpers/hub-server.js";
import {
  exampleHub,
  GATED_COMMIT,
  GATED_REPO,
  pseudoRandomBytes,
  PUBLIC_COMMIT,
  PUBLIC_REPO,
  PUBLIC_V1_COMMIT,
  TOKENS,
} from "../helpers/hub-fixtures.js";
import { listTree } from "../helpers/list-tree.js";
import { runCli, type CliRun } from "../helpers/run-hf-cli.js";
import { runMain } from "../helpers/run-main.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";
import { expectSameBytes } from "../helpers/expect-same-bytes.js";

const fixture = exampleHub();
const pub = fixture.repos[0]!;
const content = (repo: HubRepoSpec, path: string) => repo.files.find((f) => f.path === path)!.content;

// Repos that misbehave: a CDN serving other bytes than the listing's sha256, one serving more bytes
// than the listed size, and a listing with a path that escapes the destination.
const lying: HubRepoSpec = {
  id: "evil-org/lying-hash",
  commit: PUBLIC_COMMIT,
  files: [
    {
      path: "model.safetensors",
      content: pseudoRandomBytes(20_000, 7),
      served: pseudoRandomBytes(20_000, 8),
      lfs: true,
    },
  ],
};
const lyingSize: HubRepoSpec = {
  id: "evil-org/lying-size",
  commit: PUBLIC_COMMIT,
  files: [
    {
      path: "model.safetensors",
      content: pseudoRandomBytes(20_000, 9),
      served: Buffer.concat([pseudoRandomBytes(20_000, 9), Buffer.alloc(5000)]),
      lfs: true,
    },
  ],
};
const traversal: HubRepoSpec = {
  id: "evil-org/traversal",
  commit: PUBLIC_COMMIT,
  files: [{ path: "config.json", content: Buffer.from("{}") }],
  extraTreeEntries: [{ type: "file", path: "../../../escaped.txt", size: 2, oid: gitBlobSha1(Buffer.from("{}")) }],
};

const odd: HubRepoSpec = {
  id: "test-org/odd-files",
  commit: PUBLIC_COMMIT,
  files: [
    { path: "empty.txt", content: Buffer.alloc(0) },
    { path: "same-a.json", content: Buffer.from("{}") },
    { path: "same-b.json", content: Buffer.from("{}") },
    { path: "dir with space/w#eird%name.json", content: Buffer.from("[1]") },
  ],
};

const big: HubRepoSpec = {
  id: "test-org/bigger",
  commit: PUBLIC_COMMIT,
  files: [{ path: "model.safetensors", content: pseudoRandomBytes(3_000_000, 12), lfs: true }],
};

let hub: HubServer;
let root: string;
const runs: CliRun[] = [];

beforeAll(async () => {
  hub = await startHubServer({
    repos: [...fixture.repos, lying, lyingSize, traversal, odd, big],
    tokens: fixture.tokens,
  });
  root = await mkdtemp(join(tmpdir(), "lg-hfdl-"));
});
afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function freshHome() {
  const home = join(root, `u${n++}`);
  await mkdir(home, { recursive: true });
  return home;
}
async function dl(
  home: string,
  args: string[],
  env: Record<string, string> = {},
  stdin?: string,
  onSpawn?: Parameters<typeof runCli>[1]["onSpawn"],
) {
  const argv = ["download", ...args, "--source", "hf"];
  const vars = {
    HOME: home,
    HF_HOME: join(home, "hf"),
    HF_ENDPOINT: hub.endpoint,
    LLAMAGATE_CONFIG_DIR: join(home, "cfg"),
    ...env,
  };
  // In this process (no Node start-up per run) unless the case needs the process: its stdin, or a signal to it.
  const r =
    stdin === undefined && onSpawn === undefined
      ? await runMain(argv, { env: vars })
      : await runCli(argv, { env: vars, stdin, onSpawn });
  runs.push(r);
  return r;
}
const hex = (algo: string, b: Buffer) => createHash(algo).update(b).digest("hex");

describe("download --source hf into the huggingface_hub cache", () => {
  it("public repo: pins main, writes blobs + relative snapshot symlinks + refs/main, exactly like huggingface_hub", async () => {
    const home = await freshHome();
    const r = await dl(home, [PUBLIC_REPO]);
    expect(r.code).toBe(0);
    const repoDir = join(home, "hf", "hub", "models--test-org--tiny-llama");
    expect(r.stdout.trim()).toBe(join(repoDir, "snapshots", PUBLIC_COMMIT));
    expect(r.stderr).toContain(`revision main is commit ${PUBLIC_COMMIT}`);
    expect(r.stderr).toContain("skipped 2 Meta-format file(s) under original/");

    // Expected names computed independently: sha256 for LFS files, git blob sha1 for the others.
    const st = hex("sha256", content(pub, "model.safetensors"));
    const cfg = hex(
      "sha1",
      Buffer.concat([Buffer.from(`blob ${content(pub, "config.json").length}\0`), content(pub, "config.json")]),
    );
    const tok = gitBlobSha1(content(pub, "tokenizer_config.json"));
    const notes = gitBlobSha1(content(pub, "docs/deep/notes.md"));
    const snap = `snapshots/${PUBLIC_COMMIT}`;
    expect(await listTree(join(home, "hf", "hub"))).toEqual(
      [
        ".locks/",
        ".locks/models--test-org--tiny-llama/",
        // The verified sidecars of the blobs (size, mtime, inode, hash) live beside huggingface_hub's locks.
        ...[cfg, notes, st, tok].sort().map((h) => `.locks/models--test-org--tiny-llama/${h}.llamagate.json`),
        "models--test-org--tiny-llama/",
        "models--test-org--tiny-llama/blobs/",
        `models--test-org--tiny-llama/blobs/${st}`,
        `models--test-org--tiny-llama/blobs/${cfg}`,
        `models--test-org--tiny-llama/blobs/${tok}`,
        `models--test-org--tiny-llama/blobs/${notes}`,
        "models--test-org--tiny-llama/refs/",
        "models--test-org--tiny-llama/refs/main",
        "models--test-org--tiny-llama/snapshots/",
        `models--test-org--tiny-llama/${snap}/`,
        `models--test-org--tiny-llama/${snap}/config.json -> ../../blobs/${cfg}`,
        `models--test-org--tiny-llama/${snap}/docs/`,
        `models--test-org--tiny-llama/${snap}/docs/deep/`,
        `models--test-org--tiny-llama/${snap}/docs/deep/notes.md -> ../../../../blobs/${notes}`,
        `models--test-org--tiny-llama/${snap}/model.safetensors -> ../../blobs/${st}`,
        `models--test-org--tiny-llama/${snap}/tokenizer_config.json -> ../../blobs/${tok}`,
      ].sort(),
    );
    expect(await readFile(join(repoDir, "refs", "main"), "utf8")).toBe(PUBLIC_COMMIT);
    expect(hex("sha256", await readFile(join(repoDir, snap, "model.safetensors")))).toBe(st);
    expect(await readFile(join(repoDir, snap, "docs/deep/notes.md"))).toEqual(content(pub, "docs/deep/notes.md"));

    // A second run reuses the blobs: no file is fetched again.
    const before = hub.requests.filter((q) => q.method === "GET" && q.path.includes("/resolve/")).length;
    const again = await dl(home, [PUBLIC_REPO, "--json"]);
    expect(again.code).toBe(0);
    const j = JSON.parse(again.stdout);
    expect(j).toMatchObject({
      ok: true,
      repoId: PUBLIC_REPO,
      commit: PUBLIC_COMMIT,
      mode: "cache",
      bytesTransferred: 0,
    });
    expect(j.files.every((f: { downloaded: boolean }) => !f.downloaded)).toBe(true);
    // The documented shape (docs/json.md), the same core as Meta downloads: one folder key, relative paths.
    expectDocumentedShape(j, "download (hf)");
    expect(j).toMatchObject({ source: "hf", dir: join(repoDir, snap), verified: j.files.length });
    expect(j.files.find((f: { path: string }) => f.path === "docs/deep/notes.md")).toMatchObject({
      verified: true,
      skipped: true,
    });
    expect(String(j.seconds)).toMatch(/^\d+(\.\d{1,3})?$/);
    expect(hub.requests.filter((q) => q.method === "GET" && q.path.includes("/resolve/")).length).toBe(before);
    expect(hub.requests.slice(-2).map((q) => q.path.split("?")[0])).toEqual([
      `/api/models/${PUBLIC_REPO}/revision/main`,
      `/api/models/${PUBLIC_REPO}/tree/${PUBLIC_COMMIT}`,
    ]);

    // Offline: answered from refs/main + snapshot, with no request at all.
    const count = hub.requests.length;
    const off = await dl(home, [PUBLIC_REPO, "--json"], { HF_HUB_OFFLINE: "1" });
    expect(off.code).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ ok: true, offline: true, commit: PUBLIC_COMMIT });
    expect(hub.requests.length).toBe(count);
  });

  it("--revision v1.0 pins the tag's commit and writes refs/v1.0; --include turns the defaults off", async () => {
    const home = await freshHome();
    const r = await dl(home, [PUBLIC_REPO, "--revision", "v1.0", "--include", "original/*", "--include", "*.bin"]);
    expect(r.code).toBe(0);
    const repoDir = join(home, "hf", "hub", "models--test-org--tiny-llama");
    expect(await readFile(join(repoDir, "refs", "v1.0"), "utf8")).toBe(PUBLIC_V1_COMMIT);
    expect((await readdir(join(repoDir, "snapshots", PUBLIC_V1_COMMIT))).sort()).toEqual([
      "original",
      "pytorch_model.bin",
    ]);
    expect((await readdir(join(repoDir, "snapshots", PUBLIC_V1_COMMIT, "original"))).sort()).toEqual([
      "consolidated.00.pth",
      "params.json",
    ]);
    // Every request for a file used the pinned commit, never the tag.
    expect(hub.requests.filter((q) => q.path.includes("/resolve/v1.0/"))).toEqual([]);
  });

  it("--local-dir writes plain verified files, nothing in the cache", async () => {
    const home = await freshHome();
    const out = join(home, "model");
    const r = await dl(home, [PUBLIC_REPO, "--local-dir", out, "--exclude", "docs/*"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    for (const f of ["config.json", "tokenizer_config.json", "model.safetensors"]) {
      expect((await lstat(join(out, f))).isFile()).toBe(true);
      expectSameBytes(await readFile(join(out, f)), content(pub, f), f);
    }
    await expect(lstat(join(out, "docs"))).rejects.toThrow();
    await expect(lstat(join(home, "hf", "hub"))).rejects.toThrow();
    // huggingface_hub's local-dir metadata: commit, etag, timestamp.
    const meta = (
      await readFile(join(out, ".cache", "huggingface", "download", "model.safetensors.metadata"), "utf8")
    ).split("\n");
    expect(meta.slice(0, 2)).toEqual([PUBLIC_COMMIT, sha256(content(pub, "model.safetensors"))]);
    expect(Number(meta[2])).toBeGreaterThan(0);
    const count = hub.requests.length;
    const off = await dl(home, [PUBLIC_REPO, "--local-dir", out, "--json"], { HF_HUB_OFFLINE: "1" });
    expect(JSON.parse(off.stdout)).toMatchObject({ ok: true, offline: true, mode: "local-dir", commit: PUBLIC_COMMIT });
    expect(JSON.parse(off.stdout).files.map((f: { path: string }) => f.path)).toEqual([
      "config.json",
      "model.safetensors",
      "tokenizer_config.json",
    ]);
    expect(hub.requests.length).toBe(count);
  });

  it("gated repo with an approved token: the token goes to the Hub only, never to the CDN", async () => {
    const home = await freshHome();
    const start = hub.requests.length;
    const r = await dl(home, [GATED_REPO, "--json"], { HF_TOKEN: TOKENS.granted });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, commit: GATED_COMMIT });
    const reqs = hub.requests.slice(start);
    const cdn = reqs.filter((q) => q.server === "cdn");
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((q) => q.authorization === undefined)).toBe(true);
    expect(
      reqs
        .filter((q) => q.server === "hub" && q.path.includes("/resolve/"))
        .every((q) => q.authorization === `Bearer ${TOKENS.granted}`),
    ).toBe(true);
    const blob = join(
      home,
      "hf",
      "hub",
      "models--meta-llama--Llama-Test-7b-hf",
      "blobs",
      sha256(content(fixture.repos[1]!, "model.safetensors")),
    );
    expect((await lstat(blob)).size).toBe(120_000);
  });

  it.each([
    ["no token", {}, undefined, "HF_GATED_LOGIN_REQUIRED", /no Hugging Face token was sent/],
    [
      "not approved",
      { HF_TOKEN: TOKENS.noAccess },
      undefined,
      "HF_GATED_NOT_APPROVED",
      /the account bob has not been granted access/,
    ],
    ["pending", {}, TOKENS.pending, "HF_GATED_PENDING", /still awaiting review/],
    [
      "fine-grained without the gated box",
      { HUGGING_FACE_HUB_TOKEN: TOKENS.fineGrainedNoGated },
      undefined,
      "HF_TOKEN_NO_GATED_PERMISSION",
      /Read access to contents of all public gated repos you can access/,
    ],
  ])("gated repo, %s: exit 4 before any byte, precise message", async (_name, env, stdin, code, text) => {
    const home = await freshHome();
    const cdnBefore = hub.requests.filter((q) => q.server === "cdn").length;
    const r = await dl(home, [GATED_REPO, ...(stdin ? ["--token-stdin"] : [])], env as Record<string, string>, stdin);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(text);
    const j = await dl(
      home,
      [GATED_REPO, "--json", ...(stdin ? ["--token-stdin"] : [])],
      env as Record<string, string>,
      stdin,
    );
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code, category: "access" } });
    expect(hub.requests.filter((q) => q.server === "cdn").length).toBe(cdnBefore);
    expect(await listTree(join(home, "hf", "hub", "models--meta-llama--Llama-Test-7b-hf", "blobs"))).toEqual([]);
  });

  it("--token wins over HF_TOKEN (lookup order), with a note about shell history", async () => {
    const r = await dl(
      await freshHome(),
      [GATED_REPO, "--token", TOKENS.fineGrainedGated, "--include", "config.json"],
      { HF_TOKEN: TOKENS.noAccess },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("lands in shell history");
  });

  it("a token the Hub rejects (from HF_TOKEN) → exit 4 naming HF_TOKEN, even for a public repo", async () => {
    const r = await dl(await freshHome(), [PUBLIC_REPO], { HF_TOKEN: "hf_Revoked00000000000000000000000000000" });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("The Hugging Face token from HF_TOKEN was rejected as invalid.");
    expect(r.stderr).not.toContain("hf_Revoked");
  });

  it("not approved: the hint gives the repo URL to request access", async () => {
    const r = await dl(await freshHome(), [GATED_REPO], { HF_TOKEN: TOKENS.noAccess });
    expect(r.stderr).toContain(`${hub.endpoint}/${GATED_REPO}`);
    expect(r.stderr).toMatch(/approval by the authors is manual/);
  });

  it.each([
    [["org/does-not-exist"], 5, "HF_REPO_NOT_FOUND"],
    [[PUBLIC_REPO, "--revision", "no-such-branch"], 5, "HF_REVISION_NOT_FOUND"],
    [["not a repo"], 2, "HF_INVALID_REPO_ID"],
    [["../../etc"], 2, "HF_INVALID_REPO_ID"],
    [[PUBLIC_REPO, "--include", "*.gguf"], 2, "HF_NO_FILES_MATCHED"],
  ])("%j → exit %i (%s)", async (args, code, errCode) => {
    const r = await dl(await freshHome(), [...args, "--json"]);
    expect(r.code).toBe(code);
    expect(JSON.parse(r.stdout).error.code).toBe(errCode);
  });

  it("empty files, duplicate contents (one blob, two links) and odd file names", async () => {
    const home = await freshHome();
    const r = await dl(home, [odd.id]);
    expect(r.code).toBe(0);
    const snap = join(home, "hf", "hub", "models--test-org--odd-files", "snapshots", PUBLIC_COMMIT);
    expect(await readFile(join(snap, "empty.txt"))).toEqual(Buffer.alloc(0));
    expect(await readFile(join(snap, "dir with space", "w#eird%name.json"), "utf8")).toBe("[1]");
    const emptySha1 = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"; // `git hash-object /dev/null`
    const blobs = await readdir(join(home, "hf", "hub", "models--test-org--odd-files", "blobs"));
    expect(blobs).toContain(emptySha1);
    expect(blobs).toHaveLength(3);
  });

  it("a mirror whose file headers disagree with its listing (stale X-Repo-Commit): exit 6 before any byte", async () => {
    const home = await freshHome();
    hub.faults.resolveCommitOverride = "f".repeat(40);
    const cdnBefore = hub.requests.filter((q) => q.server === "cdn").length;
    const r = await dl(home, [PUBLIC_REPO, "--json"]);
    hub.faults.resolveCommitOverride = undefined;
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stdout).error.code).toBe("HF_LISTING_MISMATCH");
    expect(hub.requests.filter((q) => q.server === "cdn").length).toBe(cdnBefore);
    expect(await listTree(join(home, "hf"))).toEqual([]);
  });

  it.each([
    [
      {
        status: 403,
        code: "GatedRepo",
        message: "Access to model test-org/tiny-llama is restricted and you are not in the authorized list.",
      },
      4,
      "HF_GATED_NOT_APPROVED",
    ],
    [{ status: 404, code: "EntryNotFound", message: "Entry not found" }, 5, "HF_ENTRY_NOT_FOUND"],
  ])(
    "a Hub refusal while fetching a file (after the probe passed) gets the Hub diagnosis: %j",
    async (fault, exit, code) => {
      const home = await freshHome();
      hub.faults.resolveGetError = { "model.safetensors": fault };
      const r = await dl(home, [PUBLIC_REPO, "--json"], { HF_TOKEN: TOKENS.granted });
      hub.faults.resolveGetError = undefined;
      expect(r.code, r.stderr).toBe(exit);
      expect(JSON.parse(r.stdout).error.code).toBe(code);
      expect(await listTree(join(home, "hf", "hub", "models--test-org--tiny-llama", "snapshots"))).toEqual([]);
    },
  );

  it("a catalog model is license-checked before any request: no acceptance, exit 3, nothing sent", async () => {
    const count = hub.requests.length;
    const r = await dl(await freshHome(), ["meta-llama/Llama-2-7b-chat-hf", "--mau", "1000"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("--accept-license");
    expect(hub.requests.length).toBe(count);
    const over = await dl(await freshHome(), ["llama-2-7b-chat", "--mau", "700000001", "--accept-license"]);
    expect(over.code).toBe(3);
    expect(over.stderr).toMatch(/700,000,000/);
    expect(hub.requests.length).toBe(count);
  });

  it("a catalog name stands for its Hugging Face repo", async () => {
    const r = await dl(await freshHome(), ["llama-2-7b-chat", "--json", "--accept-license", "--mau", "1000"]);
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: "HF_REPO_NOT_FOUND",
      details: { repoId: "meta-llama/Llama-2-7b-chat-hf" },
    });
  });

  it("offline with nothing cached: exit 5 naming HF_HUB_OFFLINE, no request", async () => {
    const count = hub.requests.length;
    const r = await dl(await freshHome(), [PUBLIC_REPO], { HF_HUB_OFFLINE: "1" });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("HF_HUB_OFFLINE is set");
    expect(hub.requests.length).toBe(count);
  });

  it("a dropped CDN connection and a 429 on /resolve are retried; the file still verifies", async () => {
    const home = await freshHome();
    const sha = sha256(content(pub, "model.safetensors"));
    hub.faults.dropOnce = [sha];
    hub.faults.resolveRateLimit = 1;
    const start = hub.requests.length;
    const r = await dl(home, [PUBLIC_REPO, "--include", "model.safetensors"]);
    hub.faults.dropOnce = [];
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/rate limited by the Hub; retrying/);
    const blob = join(home, "hf", "hub", "models--test-org--tiny-llama", "blobs", sha);
    expect(hex("sha256", await readFile(blob))).toBe(sha);
    expect(hub.requests.slice(start).filter((q) => q.server === "cdn").length).toBeGreaterThanOrEqual(2);
  });

  it("a partial blob left by an interrupted run is resumed with a Range request", async () => {
    const home = await freshHome();
    const body = content(pub, "model.safetensors");
    const sha = sha256(body);
    const blobs = join(home, "hf", "hub", "models--test-org--tiny-llama", "blobs");
    await mkdir(blobs, { recursive: true });
    // pid 2^22+1 is above Linux's pid_max default, so that run is certainly gone.
    await writeFile(join(blobs, `${sha}.llamagate-partial-4194305`), body.subarray(0, 100_000));
    const start = hub.requests.length;
    const r = await dl(home, [PUBLIC_REPO, "--include", "model.safetensors", "--json"]);
    expect(r.code).toBe(0);
    expect(hex("sha256", await readFile(join(blobs, sha)))).toBe(sha);
    expect(
      hub.requests
        .slice(start)
        .filter((q) => q.server === "cdn")
        .map((q) => q.range),
    ).toEqual(["bytes=100000-"]);
    expect(JSON.parse(r.stdout).bytesTransferred).toBe(body.length - 100_000);
    expect((await readdir(blobs)).sort()).toEqual([sha]);
  });

  it("Ctrl-C mid-file: exit 130, partial kept, no ref or snapshot yet; the rerun resumes and completes", async () => {
    const home = await freshHome();
    const body = big.files[0]!.content;
    const sha = sha256(body);
    hub.faults.stallOnce = [sha];
    const cdnGets = () => hub.requests.filter((q) => q.server === "cdn" && q.path.includes(sha));
    const before = cdnGets().length;
    const repoDir = join(home, "hf", "hub", "models--test-org--bigger");
    const r = await dl(home, [big.id, "--json"], {}, undefined, (child) => {
      // Interrupt once the CDN has sent half the file, stalls, and some of it reached the partial file.
      // Polls overlap (each awaits the filesystem): send exactly one SIGINT, a second one exits at once.
      let sent = false;
      const poll = setInterval(async () => {
        if (sent) return;
        const names = await readdir(join(repoDir, "blobs")).catch(() => [] as string[]);
        const partial = names.find((x) => x.includes(".llamagate-partial-"));
        const size = partial ? ((await lstat(join(repoDir, "blobs", partial)).catch(() => undefined))?.size ?? 0) : 0;
        if (!sent && cdnGets().length > before && size > 0) {
          sent = true;
          clearInterval(poll);
          child.kill("SIGINT");
        }
      }, 20);
      child.on("exit", () => clearInterval(poll));
    });
    hub.faults.stallOnce = [];
    expect(r.code, r.stderr).toBe(130);
    expect(JSON.parse(r.stdout).error.category).toBe("interrupted");
    const left = await listTree(repoDir);
    expect(left.some((x) => x.startsWith(`blobs/${sha}.llamagate-partial-`))).toBe(true);
    expect(left).not.toContain(`blobs/${sha}`);
    expect(left.some((x) => x.startsWith("refs/") || x.startsWith("snapshots/"))).toBe(false);

    const again = await dl(home, [big.id]);
    expect(again.code, again.stderr).toBe(0);
    expect(cdnGets().at(-1)!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(hex("sha256", await readFile(join(repoDir, "blobs", sha)))).toBe(sha);
  });

  it("a server lying about the hash: retried once, then exit 6 with both hashes; no blob or snapshot under a final name", async () => {
    const home = await freshHome();
    const r = await dl(home, [lying.id]);
    expect(r.code).toBe(6);
    const expected = sha256(lying.files[0]!.content);
    const actual = sha256(lying.files[0]!.served!);
    expect(r.stderr).toContain(expected);
    expect(r.stderr).toContain(actual);
    const repoDir = join(home, "hf", "hub", "models--evil-org--lying-hash");
    await expect(lstat(join(repoDir, "blobs", expected))).rejects.toThrow();
    await expect(lstat(join(repoDir, "snapshots"))).rejects.toThrow();
    expect(hub.requests.filter((q) => q.server === "cdn" && q.path.includes(expected)).length).toBeGreaterThanOrEqual(
      2,
    );
  });

  it("a server lying about the size: exit 6, nothing under the final name", async () => {
    const home = await freshHome();
    const r = await dl(home, [lyingSize.id]);
    expect(r.code).toBe(6);
    await expect(
      lstat(join(home, "hf", "hub", "models--evil-org--lying-size", "blobs", sha256(lyingSize.files[0]!.content))),
    ).rejects.toThrow();
  });

  it("a listing with ../ paths is refused before anything is written (cache and --local-dir)", async () => {
    const home = await freshHome();
    const r = await dl(home, [traversal.id]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain("unsafe file path");
    const local = join(home, "a", "b", "c");
    const r2 = await dl(home, [traversal.id, "--local-dir", local]);
    expect(r2.code).toBe(6);
    expect(await listTree(home)).toEqual([]);
    expect(await readdir(root)).not.toContain("escaped.txt");
  });

  it("no token appears in any output", () => {
    expect(runs.length).toBeGreaterThan(15);
    const all = runs.map((x) => x.stdout + x.stderr).join("\n");
    for (const t of Object.values(TOKENS)) expect(all).not.toContain(t);
    expect(all).not.toContain("s3cr3tsig");
  });
});
