/**
 * Llama 3.x downloads from the local signed CDN with the CLI (in this process; meta-download.test.ts spawns it):
 * llama-stack's per-model layout (3.1), `--layout llama-stack` (~/.llama/checkpoints/<descriptor>), Llama 3.0's
 * remote → local folder mapping, and a link that expires in the middle of a shard.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runLlamagateInProcess, startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && !/(^|\/)\.[^/]+\.llamagate\.json$/.test(e.name))
      out.push(relative(dir, join(e.parentPath, e.name)).split("\\").join("/"));
  }
  return out.sort();
}

const FOLDER = "Llama-3.1-8B-Instruct";
const FILES = ["checklist.chk", "consolidated.00.pth", "params.json", "tokenizer.model"];

describe("download: Llama 3.1 8B Instruct (llama-stack's Meta layout)", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-3.1-8b-instruct"], shardBytes: 400_000 });
  });
  afterAll(() => cdn.close());

  it("by its llama-stack name: Meta's folder, identical bytes, md5-verified against checklist.chk", async () => {
    const dir = join(cdn.work, "out");
    const r = await runLlamagateInProcess(["download", "Llama3.1-8B-Instruct", "--dir", dir, "--json"], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await listFiles(dir)).toEqual(FILES.map((f) => `${FOLDER}/${f}`));
    for (const f of FILES) {
      expect((await readFile(join(dir, FOLDER, f))).equals(await readFile(join(cdn.root, FOLDER, f))), f).toBe(true);
    }
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      ok: true,
      layout: "llama-models",
      models: ["llama-3.1-8b-instruct"],
      verified: 3,
      licenseFile: null,
    });
    const shard = json.files.find((f: { name: string }) => f.name === `${FOLDER}/consolidated.00.pth`);
    const md5 = createHash("md5")
      .update(await readFile(join(cdn.root, FOLDER, "consolidated.00.pth")))
      .digest("hex");
    expect(shard).toMatchObject({ verified: true, hashes: { md5 } });
    expect((await readFile(join(dir, FOLDER, "checklist.chk"), "utf8")).split("\n")).toContain(
      `${md5}  consolidated.00.pth`,
    );
  });

  it("--layout llama-stack writes $LLAMA_STACK_CONFIG_DIR/checkpoints/<descriptor>", async () => {
    const config = join(cdn.work, "llama-home");
    const r = await runLlamagateInProcess(["download", "meta-llama/Llama-3.1-8B-Instruct", "--layout", "llama-stack"], {
      env: { LLAMAGATE_META_URL: cdn.url(), LLAMA_STACK_CONFIG_DIR: config },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await listFiles(join(config, "checkpoints"))).toEqual(FILES.map((f) => `Llama3.1-8B-Instruct/${f}`));
    expect(r.stdout).toMatch(/consolidated\.00\.pth: OK/);
  });

  it(
    "a link that expires in the middle of a shard: says so, keeps the partial, and a new link resumes it",
    { timeout: 60_000 },
    async () => {
      const dir = join(cdn.work, "expiring");
      const shard = `${FOLDER}/consolidated.00.pth`;
      // This process's clock (the CLI runs in it, as do the CDN and its proxy) is moved past the link's expiry
      // once the shard has stalled after 100 kB; the connection is then closed and the retry meets an expired
      // link, judged by the CDN's clock and the CLI's alike. A gate, not a wait: no real time has to pass.
      const expiresAt = new Date(Math.ceil((Date.now() + 3600_000) / 1000) * 1000);
      let release!: () => void;
      const expired = new Promise<void>((r) => (release = r));
      cdn.fault(shard, {
        kind: "stall",
        afterBytes: 100_000,
        until: expired,
        onStall: () => {
          vi.setSystemTime(expiresAt.getTime() + 1000);
          release();
        },
      });
      vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
      const r = await runLlamagateInProcess(["download", "llama-3.1-8b-instruct", "--dir", dir], {
        env: { LLAMAGATE_META_URL: cdn.url(expiresAt) },
      }).finally(() => vi.useRealTimers());
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(/expired/i);
      expect(r.stderr).not.toMatch(/Signature=|Policy=/);
      const partials = (await readdir(join(dir, FOLDER))).filter((n) => n.startsWith("consolidated.00.pth"));
      expect(partials.length).toBe(1);
      expect((await stat(join(dir, FOLDER, partials[0]!))).size).toBeGreaterThanOrEqual(100_000);
      const again = await runLlamagateInProcess(["download", "llama-3.1-8b-instruct", "--dir", dir], {
        env: { LLAMAGATE_META_URL: cdn.url() },
      });
      expect(again.code, again.stderr).toBe(0);
      expect((await readFile(join(dir, shard))).equals(await readFile(join(cdn.root, shard)))).toBe(true);
      const resumed = cdn.cdn.requests.filter((q) => q.method === "GET" && q.path === shard).at(-1)!;
      expect(resumed.range).toMatch(/^bytes=[1-9]\d*-/);
    },
  );
});

describe("download: Llama 3.0 (meta-llama/llama3 download.sh folders)", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-3-8b"] });
  });
  afterAll(() => cdn.close());

  it("fetches 8b_pre_trained/* into Meta-Llama-3-8B/, with LICENSE and USE_POLICY on top", async () => {
    const dir = join(cdn.work, "out");
    const r = await runLlamagateInProcess(["download", "llama-3-8b", "--dir", dir], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await listFiles(dir)).toEqual([
      "LICENSE",
      "Meta-Llama-3-8B/checklist.chk",
      "Meta-Llama-3-8B/consolidated.00.pth",
      "Meta-Llama-3-8B/params.json",
      "Meta-Llama-3-8B/tokenizer.model",
      "USE_POLICY",
    ]);
    expect(
      cdn.cdn.requests
        .filter((q) => q.method === "GET")
        .map((q) => q.path)
        .sort(),
    ).toEqual([
      "8b_pre_trained/checklist.chk",
      "8b_pre_trained/consolidated.00.pth",
      "8b_pre_trained/params.json",
      "8b_pre_trained/tokenizer.model",
      "LICENSE",
      "USE_POLICY",
    ]);
    expect(
      (await readFile(join(dir, "Meta-Llama-3-8B/consolidated.00.pth"))).equals(
        await readFile(join(cdn.root, "8b_pre_trained/consolidated.00.pth")),
      ),
    ).toBe(true);
  });
});
