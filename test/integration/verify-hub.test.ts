/**
 * `llamagate verify` of folders the Hub path wrote (issue 19 §3): a cache snapshot and a --local-dir, each file
 * against the identity the Hub gave it (sha256 / git blob sha1), offline. A damaged blob and a deleted file are named.
 */
import { appendFile, mkdtemp, readlink, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { exampleHub, PUBLIC_COMMIT, PUBLIC_REPO } from "../helpers/hub-fixtures.js";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { runCli } from "../helpers/run-cli.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

let hub: HubServer;
let work: string;
beforeAll(async () => {
  hub = await startHubServer(exampleHub());
  work = await mkdtemp(join(tmpdir(), "llamagate-verify-hub-"));
});
afterAll(async () => {
  await hub.close();
  await rm(work, { recursive: true, force: true });
});
const env = () => ({
  HOME: work,
  HF_HOME: join(work, "hf"),
  HF_ENDPOINT: hub.endpoint,
  LLAMAGATE_DATA_DIR: join(work, "s"),
});

it("a cache snapshot verifies file by file; a damaged blob is named FAILED (exit 6)", async () => {
  const dl = await runCli(["download", PUBLIC_REPO, "--source", "hf"], { env: env() });
  expect(dl.code, dl.stderr).toBe(0);
  const snap = join(work, "hf", "hub", "models--test-org--tiny-llama", "snapshots", PUBLIC_COMMIT);
  const ok = await runCli(["verify", snap, "--json"], { env: env() });
  expect(ok.code, ok.stderr).toBe(0);
  const j = JSON.parse(ok.stdout);
  expectDocumentedShape(j, "verify (hub)");
  expect(j).toMatchObject({ ok: true, kind: "hf-cache", repoId: PUBLIC_REPO, commits: [PUBLIC_COMMIT] });
  expect(j.files.find((f: { path: string }) => f.path === "model.safetensors")).toMatchObject({
    status: "OK",
    algorithm: "sha256",
  });
  expect(j.files.find((f: { path: string }) => f.path === "config.json")).toMatchObject({ algorithm: "git-sha1" });

  const blob = resolve(join(snap), dirname("model.safetensors"), await readlink(join(snap, "model.safetensors")));
  await appendFile(blob, "x");
  const bad = await runCli(["verify", snap], { env: env() });
  expect(bad.code).toBe(6);
  expect(bad.stdout).toContain("model.safetensors: FAILED");
  expect(bad.stdout).toContain("config.json: OK");
});

it("a --local-dir verifies against its recorded etags; an edited and a deleted file are named", async () => {
  const dir = join(work, "local");
  const dl = await runCli(["download", PUBLIC_REPO, "--source", "hf", "--local-dir", dir], { env: env() });
  expect(dl.code, dl.stderr).toBe(0);
  expect((await runCli(["verify", dir], { env: env() })).code).toBe(0);
  await writeFile(join(dir, "config.json"), "{}");
  await unlink(join(dir, "tokenizer_config.json"));
  const bad = await runCli(["verify", dir, "--json"], { env: env() });
  expect(bad.code).toBe(6);
  expectDocumentedShape(JSON.parse(bad.stdout), "verify (hub)", ["repoId", "error"]);
  const files = JSON.parse(bad.stdout).files as { path: string; status: string }[];
  expect(files.filter((f) => f.status !== "OK").map((f) => `${f.path}=${f.status}`)).toEqual([
    "config.json=FAILED",
    "tokenizer_config.json=MISSING",
  ]);
});
