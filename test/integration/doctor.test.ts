import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

const TOKEN = "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH";

describe("llamagate doctor", { timeout: 240_000 }, () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-doctor-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("issue 22 item 8: LLAMAGATE_DATA_DIR naming a regular file fails the disk check (exit 8), and the next command's hint says so", async () => {
    const file = join(work, "data-is-a-file");
    await writeFile(file, "not a folder\n");
    const env = {
      HOME: work,
      LLAMAGATE_DATA_DIR: file,
      LLAMAGATE_CONFIG_DIR: join(work, "cfg"),
      HF_HOME: join(work, "hf"),
    };
    const r = await runMain(["doctor", "--json"], { env });
    expect(r.code, r.stderr).toBe(8);
    const disk = JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === "disk");
    expect(disk).toMatchObject({ status: "fail", detail: `${file} is not a folder` });
    expect(disk.action).toContain("LLAMAGATE_DATA_DIR");
    const lic = await runMain(["license", "check", "llama-2-7b", "--mau", "5M", "--accept-license", "--json"], { env });
    expect(lic.code, lic.stderr).toBe(8);
    const err = JSON.parse(lic.stdout).error;
    expect(err.message).toContain("not a folder");
    expect(err.hint).not.toMatch(/writable|permission/i);
  });

  it("the GPU probe child starts from the command's environment, not this process's", async () => {
    // A --require preload (NODE_OPTIONS reaches the probe child, which parses nothing untrusted) records what
    // each Node process started from the command's environment saw.
    const seen = join(work, "probe-env.jsonl");
    const preload = join(work, "record-env.cjs");
    await writeFile(
      preload,
      `require("node:fs").appendFileSync(${JSON.stringify(seen)}, JSON.stringify({ script: process.argv[1], mark: process.env.LLAMAGATE_TEST_MARK ?? null }) + "\\n");\n`,
    );
    expect(process.env.LLAMAGATE_TEST_MARK).toBeUndefined();
    const env = {
      HOME: work,
      LLAMAGATE_DATA_DIR: join(work, "data"),
      LLAMAGATE_CONFIG_DIR: join(work, "cfg"),
      HF_HOME: join(work, "hf"),
      NODE_OPTIONS: `--require ${preload}`,
      LLAMAGATE_TEST_MARK: "from-the-command",
    };
    const r = await runMain(["doctor", "--json"], { env });
    expect(r.code, r.stderr).toBe(0);
    const runs = (await readFile(seen, "utf8").catch(() => ""))
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { script: string; mark: string | null });
    expect(runs.filter((x) => x.script.endsWith("probe-child.js"))).toEqual([
      { script: expect.stringMatching(/probe-child\.js$/), mark: "from-the-command" },
    ]);
  });

  it("--json: one object, every check ok/warn/fail with a detail, the token's source but never the token", async () => {
    const env = {
      HOME: work,
      LLAMAGATE_DATA_DIR: join(work, "data"),
      LLAMAGATE_CONFIG_DIR: join(work, "cfg"),
      HF_HOME: join(work, "hf"),
      HF_TOKEN: TOKEN,
    };
    const r = await runMain(["doctor", "--json"], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    const out = JSON.parse(r.stdout);
    expectDocumentedShape(out, "doctor");
    // A keychain that is not usable is said once (not "not available (The system keychain is not available (...").
    const keychain = out.checks.find((c: { name: string }) => c.name === "keychain");
    if (keychain.status !== "ok") expect(keychain.detail.match(/keychain/gi)).toHaveLength(1);
    expect(out.ok).toBe(true);
    const names = out.checks.map((c: { name: string }) => c.name);
    expect(names).toEqual(["node", "disk", "keychain", "gpu", "threads", "hf-token", "data", "config", "hf-cache"]);
    for (const c of out.checks) {
      expect(["ok", "warn", "fail"]).toContain(c.status);
      expect(c.detail.length).toBeGreaterThan(3);
      if (c.status !== "ok") expect(c.action, c.name).toBeTruthy();
    }
    const by = Object.fromEntries(out.checks.map((c: { name: string }) => [c.name, c]));
    expect(by.node).toMatchObject({ status: "ok", detail: `Node ${process.versions.node}` });
    expect(by.disk.detail).toMatch(/free in /);
    expect(by["hf-token"]).toMatchObject({ status: "ok", detail: "token set, from HF_TOKEN" });
    expect(by.data.detail).toContain(join(work, "data"));
    expect(by.data.detail).toContain(join(work, "data", "gguf-cache"));
    expect(by.config.detail).toContain(join(work, "cfg"));
    expect(by["hf-cache"].detail).toContain(join(work, "hf", "hub"));
    // this machine has no GPU: the check says why for each backend node-llama-cpp has for Linux
    expect(by.gpu.detail).toMatch(/node-llama-cpp 3\.21\.1/);
    expect(by.gpu.detail).toMatch(/cuda: (usable|no \(.+\))/);
    expect(by.gpu.detail).toMatch(/vulkan: (usable|no \(.+\))/);
    // the thread default: the available CPUs, not more than the physical cores (2 and 2 on the CI machine)
    const cpus = availableParallelism();
    expect(by.threads.detail).toMatch(new RegExp(`^\\d+ CPU threads for inference \\(${cpus} CPUs available`));
    expect(Number(/^(\d+)/.exec(by.threads.detail)![1])).toBeLessThanOrEqual(cpus);
  });

  it("human output (built CLI): a line per check, actions under warnings; no token means a warning naming llamagate login", async () => {
    const r = await runCli(["doctor"], {
      env: {
        HOME: work,
        LLAMAGATE_DATA_DIR: join(work, "data"),
        HF_HOME: join(work, "hf"),
        HF_TOKEN: undefined,
        HUGGING_FACE_HUB_TOKEN: undefined,
        LLAMAGATE_CONFIG_DIR: join(work, "cfg"),
        LLAMAGATE_CREDENTIAL_STORE: "file",
      },
      timeoutMs: 200_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}node {6}Node /m);
    expect(r.stdout).toMatch(/^warn {2}hf-token +no Hugging Face token configured\n +→ .*llamagate login/m);
    expect(r.stdout).toMatch(/^(ok|warn) +gpu +node-llama-cpp/m);
  });
});
