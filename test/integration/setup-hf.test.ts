/**
 * `llamagate setup --source hf` end to end: the built CLI against the Hub look-alike on 127.0.0.1 serving
 * a gated repo with a real (tiny) Llama in transformers' format, made by converting the demo's checkpoint.
 * The Hub's request log is the witness for the gate (no request when it blocks) and for the rerun (no file
 * fetched again).
 */
import { readdir, readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../../src/catalog/find-model.js";
import { convertCheckpoint } from "../../src/convert/convert-checkpoint.js";
import { generateMetaRelease } from "../../src/demo/generate-meta-release.js";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { runCli } from "../helpers/run-cli.js";

const TOKEN = "hf_SetupTestGranted000000000000000001";
const COMMIT = "5e7f3a1c9b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f";

describe("setup --source hf against the local Hub", () => {
  const model = findModel({ name: "llama-2-7b" });
  let work: string;
  let hub: HubServer;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "llamagate-setup-hf-"));
    await generateMetaRelease({ root: join(work, "meta"), models: [model] });
    const out = join(work, "hf-repo");
    await convertCheckpoint({ input: join(work, "meta", "llama-2-7b"), to: "hf", out });
    const files = [];
    for (const name of await readdir(out)) {
      files.push({
        path: name,
        content: await readFile(join(out, name)),
        lfs: name.endsWith(".safetensors") || name === "tokenizer.model",
      });
    }
    hub = await startHubServer({
      repos: [{ id: model.hfRepo, gated: "manual", commit: COMMIT, files }],
      tokens: [{ token: TOKEN, user: "alice", role: "read", access: { [model.hfRepo]: "granted" } }],
    });
  });
  afterAll(async () => {
    await hub.close();
    await rm(work, { recursive: true, force: true });
  });
  const run = (args: string[], data = "state") =>
    runCli(["setup", "llama-2-7b", "--source", "hf", ...args], {
      cwd: work,
      timeoutMs: 90_000,
      env: {
        HF_ENDPOINT: hub.endpoint,
        HF_TOKEN: TOKEN,
        HF_HOME: join(work, "hf"),
        LLAMAGATE_DATA_DIR: join(work, data),
        HOME: work,
      },
    });

  it("a blocking verdict makes no request to the Hub", async () => {
    const r = await run(["--mau", "2B", "--accept-license", "--json"], "state-blocked");
    expect(r.code, r.stderr).toBe(3);
    expect(hub.requests).toEqual([]);
  });

  it("downloads into the Hub cache, converts next to the current folder, smoke-tests; a rerun fetches nothing", async () => {
    const r = await run(["--mau", "1000", "--accept-license", "--max-tokens", "3", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    const snapshot = join(work, "hf", "hub", "models--meta-llama--Llama-2-7b-hf", "snapshots", COMMIT);
    expect(json).toMatchObject({
      ok: true,
      license: { verdict: "permitted", licenseFamily: "llama2" },
      download: { source: "hf", path: snapshot, repoId: model.hfRepo, commit: COMMIT },
      convert: { outputs: [{ path: join(work, "Llama-2-7b-hf-bf16.gguf"), format: "gguf", converted: true }] },
      smokeTest: { reference: { tokensMatch: true } },
    });
    expect(json.verify.ok).toBe(json.verify.files);
    expect(json.command).toBe(
      "llamagate setup llama-2-7b --source hf --to gguf --mau 1000 --accept-license --max-tokens 3",
    );
    expect(r.stdout + r.stderr).not.toContain(TOKEN);

    const before = hub.requests.length;
    const again = await run(["--mau", "1000", "--accept-license", "--max-tokens", "3", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(
      hub.requests
        .slice(before)
        .filter((q) => q.server === "cdn" || (q.method === "GET" && q.path.includes("/resolve/"))),
    ).toEqual([]);
    expect(JSON.parse(again.stdout)).toMatchObject({
      download: { bytesTransferred: 0 },
      upToDate: ["download", "verify", "convert"],
    });
  });
});
