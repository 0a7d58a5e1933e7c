/**
 * The Hub stand-in judged by an independent client: @huggingface/hub's snapshotDownload (model info, tree listing,
 * paths-info, resolve and the CDN redirect) fetches the public fixture repo from it, and llamagate's download of
 * the same repo lays out the same Hugging Face cache: same snapshot files, same blob names, same bytes.
 */
import { mkdtemp, readFile, readdir, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { snapshotDownload } from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleHub, PUBLIC_COMMIT, PUBLIC_REPO } from "../helpers/hub-fixtures.js";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { runMain } from "../helpers/run-main.js";

let hub: HubServer;
let work: string;

beforeAll(async () => {
  hub = await startHubServer(exampleHub());
  work = await mkdtemp(join(tmpdir(), "llamagate-peer-snapshot-"));
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

async function listSnapshot(cacheDir: string): Promise<Record<string, { blob: string; bytes: string }>> {
  const repoDir = join(cacheDir, `models--${PUBLIC_REPO.replace("/", "--")}`);
  const snap = join(repoDir, "snapshots", PUBLIC_COMMIT);
  const out: Record<string, { blob: string; bytes: string }> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(snap, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p);
      else {
        const target = await readlink(join(snap, p));
        out[p] = {
          blob: target.split("/").pop()!,
          bytes: (await readFile(join(snap, p))).toString("base64").slice(0, 64),
        };
      }
    }
  };
  await walk("");
  return out;
}

describe("the Hub stand-in and an independent client", () => {
  it("@huggingface/hub's snapshotDownload fetches the repo, and llamagate writes the same cache", async () => {
    const peerCache = join(work, "peer");
    const folder = await snapshotDownload({ repo: PUBLIC_REPO, hubUrl: hub.endpoint, cacheDir: peerCache });
    expect(folder).toBe(join(peerCache, `models--${PUBLIC_REPO.replace("/", "--")}`, "snapshots", PUBLIC_COMMIT));
    const peer = await listSnapshot(peerCache);
    expect(Object.keys(peer).length).toBe(exampleHub().repos.find((r) => r.id === PUBLIC_REPO)!.files.length);
    // The stand-in was asked what a real Hub is asked.
    const asked = hub.requests.filter((r) => r.server === "hub").map((r) => `${r.method} ${r.path.split("?")[0]}`);
    expect(asked.some((a) => a.startsWith(`POST /api/models/${PUBLIC_REPO}/paths-info/`))).toBe(true);

    const ours = join(work, "ours");
    const run = await runMain(["download", "--source", "hf", PUBLIC_REPO], {
      env: { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: ours, HOME: work, LLAMAGATE_DATA_DIR: join(work, "state") },
    });
    expect(run.code, run.stderr).toBe(0);
    // llamagate leaves out duplicate weight formats by default (pytorch_model.bin, original/): every file it did
    // write is the peer's file, under the same blob name.
    const mine = await listSnapshot(ours);
    expect(Object.keys(mine)).toEqual(expect.arrayContaining(["config.json", "model.safetensors"]));
    for (const [path, entry] of Object.entries(mine)) expect(entry, path).toEqual(peer[path]);
  });
});
