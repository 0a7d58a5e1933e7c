/**
 * `llamagate provision`: two models from two sources (the local signed CDN for Meta, the local Hub), a
 * failing model that does not stop the others, an idempotent second run (zero weight bytes per the
 * servers' logs, every model up-to-date), a dry run that transfers nothing, and bad manifests.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PUBLIC_COMMIT, PUBLIC_REPO, pseudoRandomBytes } from "../helpers/hub-fixtures.js";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";
import { expectSameBytes } from "../helpers/expect-same-bytes.js";

let cdn: MetaCdn;
let hub: HubServer;
let work: string;
const weights = pseudoRandomBytes(150_000, 7);

beforeAll(async () => {
  cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 200_000 });
  hub = await startHubServer({
    repos: [
      {
        id: PUBLIC_REPO,
        commit: PUBLIC_COMMIT,
        files: [
          { path: "config.json", content: Buffer.from('{"model_type":"llama"}') },
          { path: "model.safetensors", content: weights, lfs: true },
        ],
      },
    ],
    tokens: [],
  });
  work = await mkdtemp(join(tmpdir(), "llamagate-provision-"));
});
afterAll(async () => {
  await cdn?.close();
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

const env = () => ({
  HOME: work,
  LLAMAGATE_DATA_DIR: join(work, "state"),
  HF_HOME: join(work, "hf"),
  HF_ENDPOINT: hub.endpoint,
  LLAMA_URL: cdn.url(),
});

const manifest = (extra = "") => `
license: { mau: 1M, acceptLicense: true }
concurrency: 2
models:
  - name: llama-2-7b
    source: meta
    metaUrlEnv: LLAMA_URL
    dir: ${join(work, "meta")}
  - name: ${PUBLIC_REPO}
    source: hf
    dir: ${join(work, "hf-model")}
${extra}`;

it("provisions two models from two sources; a failing one is reported without stopping them; a rerun transfers nothing", async () => {
  const file = join(work, "fleet.yaml");
  await writeFile(
    file,
    manifest(`  - name: test-org/does-not-exist\n    source: hf\n    dir: ${join(work, "missing")}\n`),
  );
  const first = await runMain(["provision", file, "--json"], { env: env() });
  expect(first.code, first.stderr).toBe(5); // the failed model's category (not-found)
  const r1 = JSON.parse(first.stdout);
  expectDocumentedShape(r1, "provision", ["bom"]);
  expect(r1.ok).toBe(false);
  expect(r1.models.map((m: { status: string }) => m.status)).toEqual(["provisioned", "provisioned", "failed"]);
  expect(r1.models[0].bytesDownloaded).toBeGreaterThan(200_000);
  expect(r1.models[0].license.verdict).toBe("permitted");
  expect(r1.models[2].error.category).toBe("not-found");
  expectSameBytes(await readFile(join(work, "hf-model", "model.safetensors")), weights, "model.safetensors");
  expectSameBytes(
    await readFile(join(work, "meta", "llama-2-7b", "consolidated.00.pth")),
    await readFile(join(cdn.root, "llama-2-7b", "consolidated.00.pth")),
    "consolidated.00.pth",
  );
  // The signed URL never reaches the report or the logs.
  expect(first.stdout + first.stderr).not.toContain("Signature=");

  await writeFile(file, manifest());
  const cdnBefore = cdn.cdn.requests.length;
  const hubBefore = hub.requests.filter((q) => q.server === "cdn").length;
  const second = await runMain(["provision", file, "--json"], { env: env() });
  expect(second.code, second.stderr).toBe(0);
  const r2 = JSON.parse(second.stdout);
  expect(r2).toMatchObject({ ok: true });
  expect(r2.models.map((m: { status: string; bytesDownloaded: number }) => [m.status, m.bytesDownloaded])).toEqual([
    ["up-to-date", 0],
    ["up-to-date", 0],
  ]);
  expect(cdn.cdn.requests.slice(cdnBefore).filter((q) => q.method === "GET" && q.bytesSent > 0)).toEqual([]);
  expect(hub.requests.filter((q) => q.server === "cdn").length).toBe(hubBefore);
}, 240_000);

it("--dry-run shows verdicts and sizes and transfers nothing", async () => {
  const file = join(work, "dry.yaml");
  await writeFile(
    file,
    manifest()
      .replaceAll(join(work, "meta"), join(work, "dry-meta"))
      .replaceAll(join(work, "hf-model"), join(work, "dry-hf")),
  );
  const before = cdn.cdn.requests.length;
  const r = await runMain(["provision", file, "--dry-run", "--json"], { env: env() });
  expect(r.code, r.stderr).toBe(0);
  const rep = JSON.parse(r.stdout);
  expect(rep.models.map((m: { status: string }) => m.status)).toEqual(["planned", "planned"]);
  expect(rep.models[0].license.verdict).toBe("permitted");
  expect(rep.models[1].diskNeeded).toBe(weights.length + 22);
  expect(cdn.cdn.requests.length).toBe(before);
  expect(await readdir(join(work, "dry-hf")).catch(() => [])).toEqual([]);
}, 120_000);

it.each([
  [
    "an unknown field",
    "models:\n  - name: llama-2-7b\n    source: meta\n    metaUrlEnv: X\n    colour: red\n",
    "models[0].colour: unknown field",
  ],
  ["a missing source", "models:\n  - name: llama-2-7b\n", "models[0].source: required field is missing"],
  [
    "a URL instead of metaUrlEnv",
    "models:\n  - name: llama-2-7b\n    source: meta\n    metaUrl: https://x.example/?Signature=abc\n",
    "models[0].metaUrl: unknown field; a signed URL never goes in the manifest",
  ],
  [
    "the URL inside metaUrlEnv",
    "models:\n  - name: llama-2-7b\n    source: meta\n    metaUrlEnv: https://x.example/?Signature=abc\n",
    "models[0].metaUrlEnv: must be the NAME of an environment variable",
  ],
])(
  "a manifest with %s exits 2 naming the field",
  async (_what, text, message) => {
    const file = join(work, "bad.yaml");
    await writeFile(file, text);
    const r = await runCli(["provision", file], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain("Signature=abc");
  },
  60_000,
);
