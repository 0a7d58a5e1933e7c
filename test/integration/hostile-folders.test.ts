/**
 * Issue 13 items 1, 5, 6, 13, 14 through the CLI (in this process) against real local servers: links planted in the
 * download folder or the HF cache, a cached blob overwritten in place, a huge checklist, repo files under
 * .cache/huggingface/ in --local-dir, a 300-character file name and an invalid glob.
 */
import { createHash } from "node:crypto";
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pseudoRandomBytes, PUBLIC_COMMIT } from "../helpers/hub-fixtures.js";
import { startHubServer, type HubRepoSpec, type HubServer } from "../helpers/hub-server.js";
import { runLlamagateInProcess, startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";
import { runMain } from "../helpers/run-main.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir("hostile-folders");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Every symbolic link under `dir` (recursive), as paths relative to it. */
async function linksUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isSymbolicLink()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  }
  return out;
}

describe("Meta download folder", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 20_000 });
  });
  afterAll(() => cdn.close());

  it("item 1: a partial planted as a link to a victim is never followed nor renamed into place", async () => {
    const out = join(tmp(), "out");
    await mkdir(join(out, "llama-2-7b"), { recursive: true });
    const victim = join(tmp(), "bashrc");
    await writeFile(victim, "precious\n");
    await symlink(victim, join(out, "llama-2-7b", "consolidated.00.pth.llamagate-partial-999999"));
    await symlink(victim, join(out, "llama-2-7b", ".params.json.llamagate.json"));
    const r = await runLlamagateInProcess(["download", "llama-2-7b", "--dir", out], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(victim, "utf8")).toBe("precious\n");
    const shard = join(out, "llama-2-7b", "consolidated.00.pth");
    expect((await lstat(shard)).isFile()).toBe(true);
    expect(
      Buffer.compare(await readFile(shard), await readFile(join(cdn.root, "llama-2-7b", "consolidated.00.pth"))),
    ).toBe(0);
    expect(await linksUnder(out)).toEqual([]);
  });

  it("item 5: a checklist past 1 MiB stops the download with exit 6, nothing of it is kept, and verify says so too", async () => {
    const out = join(tmp(), "out");
    const chk = join(cdn.root, "llama-2-7b", "checklist.chk");
    const real = await readFile(chk);
    await writeFile(chk, Buffer.concat([real, Buffer.alloc((1 << 20) + 1, 0x0a)])); // valid lines, then newlines
    try {
      const r = await runLlamagateInProcess(["download", "llama-2-7b", "--dir", out, "--json"], {
        env: { LLAMAGATE_META_URL: cdn.url() },
      });
      expect(r.code, r.stderr).toBe(6);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: "CHECKLIST_TOO_LARGE", category: "integrity" });
      // Refused on its announced size, before any byte of it is read: nothing of it is kept (issue 21 item 9).
      expect((await readdir(join(out, "llama-2-7b")).catch(() => [])).filter((n) => n.includes("checklist"))).toEqual(
        [],
      );
      await mkdir(join(out, "llama-2-7b"), { recursive: true });
      // verify over a folder holding such a checklist: the same clear error, no crash.
      await writeFile(join(out, "llama-2-7b", "checklist.chk"), await readFile(chk));
      const v = await runLlamagateInProcess(["verify", out, "--json"]);
      expect(v.code, v.stderr).toBe(6);
      expect(JSON.parse(v.stdout).error.code).toBe("CHECKLIST_TOO_LARGE");
    } finally {
      await writeFile(chk, real);
    }
    // Recovery: the next run fetches the (now good) checklist again and finishes.
    const again = await runLlamagateInProcess(["download", "llama-2-7b", "--dir", out], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(again.code, again.stderr).toBe(0);
  });
});

describe("Hugging Face cache and --local-dir", () => {
  const model = pseudoRandomBytes(40_000, 21);
  const repo: HubRepoSpec = {
    id: "test-org/hostile",
    commit: PUBLIC_COMMIT,
    files: [
      { path: "config.json", content: Buffer.from('{"model_type":"llama"}\n') },
      { path: "model.safetensors", content: model, lfs: true },
      { path: ".cache/huggingface/download/config.json.metadata", content: Buffer.from("planted by the repo\n") },
    ],
  };
  const longName: HubRepoSpec = {
    id: "test-org/long-name",
    commit: PUBLIC_COMMIT,
    files: [{ path: `${"a".repeat(300)}.json`, content: Buffer.from("{}") }],
  };
  let hub: HubServer;
  beforeAll(async () => {
    hub = await startHubServer({ repos: [repo, longName], tokens: [] });
  });
  afterAll(() => hub.close());
  const dl = (home: string, args: string[]) =>
    runMain(["download", ...args, "--source", "hf"], {
      env: {
        HOME: home,
        HF_HOME: join(home, "hf"),
        HF_ENDPOINT: hub.endpoint,
        LLAMAGATE_CONFIG_DIR: join(home, "cfg"),
      },
    });
  const blobs = (home: string) => join(home, "hf", "hub", "models--test-org--hostile", "blobs");

  it("item 1 (HF cache): a blob's partial planted as a link leaves the victim untouched and the blob a regular file", async () => {
    const home = tmp();
    await mkdir(blobs(home), { recursive: true });
    const victim = join(home, "victim");
    await writeFile(victim, "precious\n");
    await symlink(victim, join(blobs(home), `${sha256(model)}.llamagate-partial-999999`));
    const r = await dl(home, [repo.id, "--include", "model.safetensors"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(victim, "utf8")).toBe("precious\n");
    expect((await lstat(join(blobs(home), sha256(model)))).isFile()).toBe(true);
    expect(await linksUnder(blobs(home))).toEqual([]);
  });

  it("item 1 (--local-dir): a file planted as a link to a shorter victim is not resumed through it", async () => {
    const home = tmp();
    const local = join(home, "local");
    await mkdir(local, { recursive: true });
    const victim = join(home, "victim");
    await writeFile(victim, "precious\n"); // shorter than model.safetensors: looks like a prefix to resume
    await symlink(victim, join(local, "model.safetensors"));
    const r = await dl(home, [repo.id, "--include", "model.safetensors", "--local-dir", local]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(victim, "utf8")).toBe("precious\n");
    expect(sha256(await readFile(join(local, "model.safetensors")))).toBe(sha256(model));
    expect(await linksUnder(local)).toEqual([]);
  });

  it("item 6: a cached blob overwritten in place is re-fetched, never reported verified with bad bytes", async () => {
    const home = tmp();
    expect((await dl(home, [repo.id, "--include", "model.safetensors"])).code).toBe(0);
    const blob = join(blobs(home), sha256(model));
    const bad = Buffer.from(model);
    bad.fill(0xee, 0, 64); // same size, first bytes changed
    await writeFile(blob, bad);
    const r = await dl(home, [repo.id, "--include", "model.safetensors", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const file = JSON.parse(r.stdout).files.find((f: { path: string }) => f.path === "model.safetensors");
    expect(file.verified).toBe(true);
    expect(sha256(await readFile(blob))).toBe(sha256(model)); // verified means these bytes were checked
  });

  it("item 13: --local-dir skips repo files under .cache/huggingface/ with a warning", async () => {
    const home = tmp();
    const local = join(home, "local");
    // And a link planted where llamagate writes its own metadata is replaced, never written through.
    await mkdir(join(local, ".cache", "huggingface"), { recursive: true });
    const victim = join(home, "victim");
    await writeFile(victim, "precious\n");
    await symlink(victim, join(local, ".cache", "huggingface", ".gitignore"));
    const r = await dl(home, [repo.id, "--local-dir", local]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(victim, "utf8")).toBe("precious\n");
    expect(await linksUnder(local)).toEqual([]);
    expect(r.stderr).toMatch(/warning: skipped 1 repo file\(s\) under \.cache\/huggingface\//);
    const meta = await readFile(join(local, ".cache", "huggingface", "download", "config.json.metadata"), "utf8");
    expect(meta).not.toContain("planted by the repo");
    expect(await readFile(join(local, "config.json"), "utf8")).toBe('{"model_type":"llama"}\n');
  });

  it("item 14: a 300-character file name is a filesystem error (exit 8), in the cache and in --local-dir", async () => {
    for (const extra of [[], ["--local-dir", join(tmp(), "local")]]) {
      const r = await dl(tmp(), [longName.id, "--json", ...extra]);
      expect(r.code, r.stderr).toBe(8);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: "NAME_TOO_LONG", category: "filesystem" });
    }
  });

  it("item 14: an invalid --include glob is a usage error (exit 2)", async () => {
    const r = await dl(tmp(), [repo.id, "--include", "[z-a]", "--json"]);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "INVALID_GLOB", category: "usage" });
  });
});
