/**
 * `llamagate setup` end to end, non-interactive: the built CLI against the project's signed CDN on
 * 127.0.0.1 serving the demo's small real checkpoint. The CDN's own request log is the witness for
 * "a rerun transfers no weight byte" and "a blocked license check makes no request".
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../../src/catalog/find-model.js";
import { generateMetaRelease } from "../../src/demo/generate-meta-release.js";
import { serveSignedCdn, type SignedCdn } from "../../src/demo/serve-signed-cdn.js";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

describe("setup (non-interactive) against the local signed CDN", () => {
  let work: string;
  let cdn: SignedCdn;
  let url: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "llamagate-setup-"));
    await generateMetaRelease({ root: join(work, "cdn"), models: [findModel({ name: "llama-2-7b" })] });
    cdn = await serveSignedCdn({ root: join(work, "cdn"), secret: "setup-test-secret", keyPairId: "KSETUPTEST" });
    url = cdn.signUrl({ expiresAt: new Date(Date.now() + 3600_000) });
  });
  afterAll(async () => {
    await cdn.close();
    await rm(work, { recursive: true, force: true });
  });
  const env = () => ({ LLAMAGATE_META_URL: url, LLAMAGATE_DATA_DIR: join(work, "state"), HOME: work });
  const setup = (args: string[], extra: Record<string, string> = {}) =>
    runMain(["setup", ...args], { env: { ...env(), ...extra } });
  const weightGets = (from: number) =>
    cdn.requests.slice(from).filter((q) => q.method === "GET" && q.path.endsWith(".pth"));

  it("runs license check → download → verify → convert → smoke test and prints one JSON object", async () => {
    const dir = join(work, "models");
    const r = await setup([
      "llama-2-7b",
      "--dir",
      dir,
      "--mau",
      "1000",
      "--accept-license",
      "--max-tokens",
      "4",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expectDocumentedShape(json, "setup");
    expect(json).toMatchObject({
      ok: true,
      model: "llama-2-7b",
      license: { verdict: "permitted", licenseFamily: "llama2", mau: 1000, acceptedVia: "flag", recorded: true },
      download: { source: "meta", path: dir, files: 7, upToDate: false },
      verify: { files: 3, ok: 3, failed: 0, missing: 0 },
      convert: {
        outputs: [{ path: join(dir, "llama-2-7b-bf16.gguf"), format: "gguf", dtype: "BF16", converted: true }],
        upToDate: false,
      },
      smokeTest: { reference: { tokensMatch: true } },
    });
    expect(json.download.bytesTransferred).toBe(json.download.bytes);
    expect(json.smokeTest.tokens).toHaveLength(4);
    expect((await stat(json.convert.outputs[0].path)).size).toBe(json.convert.outputs[0].bytes);
    // The repeat command carries every answer and no secret.
    expect(json.command).toBe(
      `llamagate setup llama-2-7b --source meta --dir ${dir} --to gguf --mau 1000 --accept-license --max-tokens 4`,
    );
    expect(r.stdout + r.stderr).not.toMatch(/Policy=|Signature=|Key-Pair-Id=/);
    expect(weightGets(0)).toHaveLength(1);
  });

  it("a rerun transfers no weight byte, re-hashes nothing, converts nothing, and says so", async () => {
    const dir = join(work, "models");
    const before = cdn.requests.length;
    const r = await setup(["llama-2-7b", "--dir", dir, "--mau", "1000", "--accept-license", "--max-tokens", "4"]);
    expect(r.code, r.stderr).toBe(0);
    expect(weightGets(before)).toEqual([]);
    expect(cdn.requests.slice(before).reduce((n, q) => n + q.bytesSent, 0)).toBe(0);
    expect(r.stdout).toMatch(/newer than its inputs, not converted again/);
    expect(r.stdout).toMatch(/none re-hashed/);
    expect(r.stdout).toMatch(/^Already done before this run: download, verify, convert\.$/m);
    expect(r.stdout).toMatch(/^Repeat this run without questions: llamagate setup llama-2-7b --source meta --dir /m);
    // The rerun records the acceptance once more only because it now knows the shipped LICENSE's sha256.
    const log = (await readFile(join(work, "state", "license-audit.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(log.map((e) => e.licenseTextSha256 === null)).toEqual([true, false]);
  });

  it("a failed run prints the repeat line too, self-contained: recorded facts as flags, --dir relative", async () => {
    // The acceptance recorded by the first test settles the license: no --mau is passed here.
    const bad = url.replace(/Signature=[^&]*/, "Signature=AAAA");
    const r = await runCli(["setup", "llama-2-7b", "--dir", "relative-models", "--to", "none", "--no-space-check"], {
      env: { ...env(), LLAMAGATE_META_URL: bad },
      cwd: work,
      timeoutMs: 90_000,
    });
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/^error: /m);
    expect(r.stderr).toContain(
      "Repeat this run without questions: llamagate setup llama-2-7b --source meta --dir relative-models --to none --no-space-check --mau 1000 --accept-license",
    );
    expect(r.stderr.indexOf("Repeat this run")).toBeLessThan(r.stderr.indexOf("error: "));
    expect(r.stdout + r.stderr).not.toMatch(/Policy=|Signature=|Key-Pair-Id=/);
    const j = await runCli(["setup", "llama-2-7b", "--dir", "relative-models", "--to", "none", "--json"], {
      env: { ...env(), LLAMAGATE_META_URL: bad },
      cwd: work,
      timeoutMs: 90_000,
    });
    expect(JSON.parse(j.stdout).error.details.command).toBe(
      "llamagate setup llama-2-7b --source meta --dir relative-models --to none --mau 1000 --accept-license",
    );
  });

  it("--to hf: the smoke test runs the Hugging Face output through its cached GGUF (as smoke-test <hf folder> does)", async () => {
    const r = await setup([
      "llama-2-7b",
      "--dir",
      join(work, "models"),
      "--to",
      "hf",
      "--max-tokens",
      "4",
      "--mau",
      "1000",
      "--accept-license",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.convert.outputs[0].format).toBe("hf");
    expect(j.smokeTest.path).toContain(join(work, "state", "gguf-cache"));
    expect(j.smokeTest.reference.weights).toBe("source");
    const none = await setup(["llama-2-7b", "--dir", join(work, "models"), "--to", "none"]);
    expect(none.stderr).toMatch(/smoke test: skipped \(no converted output/);
  });

  it("a blocking license verdict stops before any request (exit 3)", async () => {
    const before = cdn.requests.length;
    const r = await setup(["llama-2-7b", "--dir", join(work, "blocked"), "--mau", "2B", "--accept-license", "--json"], {
      LLAMAGATE_DATA_DIR: join(work, "state-blocked"),
    });
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout).error).toMatchObject({ category: "license", code: "LICENSE_REQUIRES_META_LICENSE" });
    expect(cdn.requests.length).toBe(before);
  });

  it("without a terminal it never prompts: a missing answer is an error naming the flag", async () => {
    const noModel = await setup(["--json"]);
    expect(noModel.code).toBe(2);
    expect(JSON.parse(noModel.stdout).error.message).toContain("<model>");
    const noUrl = await setup(["llama-2-7b", "--source", "meta"], { LLAMAGATE_META_URL: "" });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("--meta-url");
    const noLicense = await setup(["llama-2-7b", "--dir", join(work, "x")], {
      LLAMAGATE_DATA_DIR: join(work, "state-empty"),
    });
    expect(noLicense.code).toBe(3);
    expect(noLicense.stderr).toContain("--mau");
    // A license stop prints no repeat line: adding --accept-license is not the answer to it.
    expect(noLicense.stderr).not.toContain("Repeat this run");
  });
  it("setup --dtype q8_0 passes the cross-check on a correct file (it used to end in exit 10)", async () => {
    const dir = join(work, "models-q8");
    const r = await setup([
      "llama-2-7b",
      "--dir",
      dir,
      "--dtype",
      "q8_0",
      "--mau",
      "1000",
      "--accept-license",
      "--max-tokens",
      "8",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.convert.outputs[0]).toMatchObject({ format: "gguf", dtype: "Q8_0" });
    expect(json.smokeTest.reference).toMatchObject({ weights: "source", comparedPositions: 8 });
    expect(json.smokeTest.reference.klMean).toBeLessThan(json.smokeTest.reference.limits.klMean);
  });
  // With q8_0 above and the default in the first test: every dtype setup offers goes through the whole chain.
  it.each([
    ["f32", "F32"],
    ["f16", "F16"],
    ["bf16", "BF16"],
  ])("setup --dtype %s: converted, smoke-tested and cross-checked against the source", async (dtype, stored) => {
    const dir = join(work, `models-${dtype}`);
    const r = await setup([
      "llama-2-7b",
      "--dir",
      dir,
      "--dtype",
      dtype,
      "--mau",
      "1000",
      "--accept-license",
      "--max-tokens",
      "4",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.convert.outputs[0]).toMatchObject({ format: "gguf", dtype: stored });
    expect(json.smokeTest.reference).toMatchObject({ weights: "source" });
    expect(json.smokeTest.reference.klMean).toBeLessThan(json.smokeTest.reference.limits.klMean);
  });
});
