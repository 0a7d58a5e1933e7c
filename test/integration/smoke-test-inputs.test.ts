import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../src/convert/convert-checkpoint.js";
import { smokeTest, smokeTestIter } from "../../src/infer/smoke-test/smoke-test.js";
import { childEnvirons, liveChildren } from "../helpers/child-environ.js";
import { runMain } from "../helpers/run-main.js";
import type { CliRun } from "../helpers/run-cli.js";
import { generatedFolder, patchGguf, renameGgufArchitecture } from "../helpers/smoke-fixtures.js";
import { buildTinyTokenizerModel } from "../helpers/tiny-llama-tokenizer.js";

/** One-line error, no stack trace, parsed --json error object. */
function expectCleanError(r: CliRun, exit: number, code: string) {
  expect(r.code, r.stderr).toBe(exit);
  const j = JSON.parse(r.stdout);
  expect(j).toMatchObject({ ok: false, error: { code } });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split("\n").pop()).toMatch(/^error: /);
  return j.error as { message: string; hint?: string; details?: Record<string, unknown> };
}

describe("smoke-test: bad inputs and failed checks (in-process main())", { timeout: 240_000 }, () => {
  let work: string;
  let gen: string;
  let f32: string;
  const env = () => ({ LLAMAGATE_DATA_DIR: join(work, "data") });
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-smoke-in-"));
    gen = await generatedFolder(work);
    f32 = (await convertCheckpoint({ input: gen, to: "gguf", dtype: "F32", out: join(work, "gen-f32.gguf") })).output;
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("a file that is not a GGUF: exit 9, says what the file is", async () => {
    const e = expectCleanError(
      await runMain(["smoke-test", join(gen, "consolidated.00.pth"), "--json"], { env: env() }),
      9,
      "NOT_GGUF",
    );
    expect(e.message).toMatch(/is not a GGUF file: it is a zip archive/);
    const html = join(work, "page.gguf");
    await writeFile(html, "<!DOCTYPE html><html>Access denied</html>");
    expect(
      expectCleanError(await runMain(["smoke-test", html, "--json"], { env: env() }), 9, "NOT_GGUF").message,
    ).toMatch(/HTML/);
  });

  it("a GGUF of an architecture llama.cpp does not know: exit 9, llama.cpp's reason", async () => {
    const bad = await patchGguf(f32, join(work, "unknown-arch.gguf"), { arch: "zzzzz" });
    const e = expectCleanError(await runMain(["smoke-test", bad, "--json"], { env: env() }), 9, "GGUF_LOAD_FAILED");
    expect(e.message).toMatch(/llama\.cpp cannot load .*unknown-arch\.gguf/);
    expect(e.message).toMatch(/unknown model architecture: 'zzzzz'/);
  });

  it("a folder with no weights: exit 9; a missing path: exit 5 (INPUT_NOT_FOUND, as in convert)", async () => {
    const empty = join(work, "empty");
    await mkdir(empty);
    await writeFile(join(empty, "README.md"), "nothing here");
    expect(
      expectCleanError(await runMain(["smoke-test", empty, "--json"], { env: env() }), 9, "NOT_A_CHECKPOINT").message,
    ).toMatch(/neither a Meta checkpoint/);
    expectCleanError(await runMain(["smoke-test", join(work, "nope"), "--json"], { env: env() }), 5, "INPUT_NOT_FOUND");
  });

  it("a model larger than the memory limit: exit 10 with both numbers", async () => {
    const e = expectCleanError(
      await runMain(["smoke-test", f32, "--memory-limit", "1M", "--json"], { env: env() }),
      10,
      "OUT_OF_MEMORY",
    );
    expect(e.message).toMatch(/does not fit in memory: it needs about [\d.]+ MiB, and the memory limit is 1\.0 MiB/);
    expect(e.details).toMatchObject({ availableBytes: 1048576 });
    expect(e.details!.neededBytes as number).toBeGreaterThan(1048576);
  });

  it("NaN weights: exit 10 NON_FINITE_LOGITS", async () => {
    const nan = await patchGguf(f32, join(work, "nan.gguf"), { fillF32: { "output_norm.weight": Number.NaN } });
    expectCleanError(
      await runMain(["smoke-test", nan, "--prompt", "the cat", "--json"], { env: env() }),
      10,
      "NON_FINITE_LOGITS",
    );
  });

  it("one token repeated for a real prompt, and an empty output: exit 10", async () => {
    // output_norm = 0 makes every logit 0: greedy picks id 0 (<unk>) every time
    const flat = await patchGguf(f32, join(work, "flat.gguf"), { fillF32: { "output_norm.weight": 0 } });
    const rep = expectCleanError(
      await runMain(["smoke-test", flat, "--prompt", "the cat sat", "--max-tokens", "8", "--json"], { env: env() }),
      10,
      "REPEATED_TOKEN",
    );
    expect(rep.message).toMatch(/one token repeated 8 times \(id 0\)/);
    // ...and with <unk> declared end-of-sequence, the first token ends the output
    const eos = await patchGguf(flat, join(work, "eos.gguf"), { u32: { "tokenizer.ggml.eos_token_id": 0 } });
    expectCleanError(
      await runMain(["smoke-test", eos, "--prompt", "the cat sat", "--json"], { env: env() }),
      10,
      "EMPTY_OUTPUT",
    );
  });

  it("llama.cpp aborting the process (a vocabulary without byte-fallback pieces) is a clean exit 9, not a dead CLI", async () => {
    const dir = join(work, "no-bytes");
    await generatedFolder(work, "no-bytes");
    await writeFile(join(dir, "tokenizer.model"), buildTinyTokenizerModel(96));
    const g = await convertCheckpoint({ input: dir, to: "gguf", dtype: "F32", out: join(work, "no-bytes.gguf") });
    const e = expectCleanError(
      await runMain(["smoke-test", g.output, "--json"], { env: env() }),
      9,
      "LLAMA_CPP_CRASHED",
    );
    expect(e.message).toMatch(/llama\.cpp was killed by SIGABRT while loading .*std::out_of_range/);
  });

  it("usage errors: bad --max-tokens / --memory-limit / --device exit 2", async () => {
    expectCleanError(await runMain(["smoke-test", f32, "--max-tokens", "0", "--json"], { env: env() }), 2, "USAGE");
    expectCleanError(
      await runMain(["smoke-test", f32, "--memory-limit", "lots", "--json"], { env: env() }),
      2,
      "USAGE",
    );
    expect((await runMain(["smoke-test", f32, "--device", "tpu", "--json"], { env: env() })).code).toBe(2);
  });

  it("a GGUF whose weights differ from its source folder fails the cross-check: exit-10 REFERENCE_MISMATCH", async () => {
    const wrong = await patchGguf(f32, join(work, "wrong.gguf"), { fillF32: { "blk.0.ffn_norm.weight": 3 } });
    const e = await smokeTest({ gguf: wrong, sourceDir: gen, prompt: "the cat sat", device: "cpu" }).catch(
      (x: unknown) => x,
    );
    expect(e).toMatchObject({ code: "REFERENCE_MISMATCH", category: "smoke-test" });
    expect((e as Error).message).toMatch(
      /llama\.cpp and the reference forward pass on the original weights disagree on .*wrong\.gguf: .*F32 range/,
    );
    expect((e as Error).message).toMatch(/Cause: blk\.0\.ffn_norm\.weight differs from the source \(relative error/);
    // the unpatched file passes against the same folder
    const ok = await smokeTest({ gguf: f32, sourceDir: gen, prompt: "the cat sat", device: "cpu" });
    expect(ok.reference).toMatchObject({ weights: "source" });
    expect(ok.reference!.failure).toBeUndefined();
  });

  it("the llama.cpp child gets an allow-listed environment: no HF_TOKEN, registry password or Meta URL", async () => {
    if (process.platform !== "linux") return; // reads /proc/<pid>/environ
    const secrets = {
      HF_TOKEN: "hf_childmustnotseethistokenxxxxxxxx",
      LLAMAGATE_META_URL: "https://download.llamameta.net/*?Policy=childsecret&Signature=x",
      LLAMAGATE_REGISTRY_PASSWORD: "childsecretpassword",
    };
    const saved = Object.fromEntries(Object.keys(secrets).map((k) => [k, process.env[k]]));
    Object.assign(process.env, secrets);
    let environ = "";
    try {
      const it = smokeTestIter({ gguf: f32, prompt: "the cat", maxTokens: 2, device: "cpu", reference: false });
      for (let r = await it.next(); !r.done; r = await it.next()) {
        if (r.value.type !== "backend") continue;
        // the child is alive while it reports its backend: read its environment from /proc
        for (const pid of await readdir("/proc")) {
          if (!/^\d+$/.test(pid)) continue;
          const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
          const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
          if (ppid === process.pid) environ += (await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "")) + "\n";
        }
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(environ).toMatch(/(^|\0)PATH=/);
    expect(environ).toMatch(/NODE_LLAMA_CPP_SKIP_DOWNLOAD=true/);
    for (const [k, v] of Object.entries(secrets)) {
      expect(environ).not.toContain(v);
      expect(environ).not.toContain(`${k}=`);
    }
  });

  it("the llama.cpp child starts from the env a library call or a command passes, not this process's", async () => {
    if (process.platform !== "linux") return; // reads /proc/<pid>/environ
    const MARK = "GGML_LLAMAGATE_TEST_MARK";
    expect(process.env[MARK]).toBeUndefined();
    const vars = (environ: string) => environ.split("\0");
    // Library: the child's environment read while it reports its backend (it is alive then).
    const passed = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      [MARK]: "from-the-library-call",
      HF_TOKEN: "hf_notforthechild",
    };
    // Children of earlier tests that wait for a next job (another environment: none of them may take this one).
    const waiting = async () => new Set((await liveChildren("llama-child.js")).map((c) => c.pid));
    let before = await waiting();
    let seen: string[] = [];
    const it = smokeTestIter({
      gguf: f32,
      prompt: "the cat",
      maxTokens: 2,
      device: "cpu",
      reference: false,
      env: passed,
    });
    for (let r = await it.next(); !r.done; r = await it.next())
      if (r.value.type === "backend") seen = await childEnvirons("llama-child.js", before);
    expect(seen).toHaveLength(1);
    expect(vars(seen[0]!)).toContain(`${MARK}=from-the-library-call`);
    expect(vars(seen[0]!)).toContain(`PATH=${passed.PATH}`);
    // HOME is in this process's environment but not in the one passed; HF_TOKEN is never allow-listed.
    expect(process.env.HOME).toBeDefined();
    expect(seen[0]).not.toMatch(/(^|\0)(HOME|HF_TOKEN)=/);
    // In-process CLI: the command's environment (ctx.env), watched from here while the command runs.
    const running = runMain(
      ["smoke-test", f32, "--prompt", "the cat", "--device", "cpu", "--no-reference", "--max-tokens", "2", "--json"],
      {
        env: { ...env(), [MARK]: "from-the-command" },
      },
    );
    before = await waiting();
    let done = false;
    void running.finally(() => (done = true));
    seen = [];
    while (!done) {
      seen.push(...(await childEnvirons("llama-child.js", before)));
      await new Promise((r) => setTimeout(r, 5));
    }
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    for (const environ of seen) expect(vars(environ)).toContain(`${MARK}=from-the-command`);
  });

  it("a finished child runs the next smoke test with the same environment; another environment or a failed run gets a new one", async () => {
    if (process.platform !== "linux") return; // reads /proc
    const job = (env: NodeJS.ProcessEnv, gguf = f32) =>
      smokeTest({ gguf, prompt: "the cat", maxTokens: 2, device: "cpu", reference: false, env });
    const mine = (mark: string) => async () =>
      (await liveChildren("llama-child.js")).filter((c) => c.environ.split("\0").includes(`GGML_REUSE_MARK=${mark}`));
    const a = { PATH: process.env.PATH ?? "/usr/bin:/bin", GGML_REUSE_MARK: "a" };
    const first = await job(a);
    const afterFirst = await mine("a")();
    expect(afterFirst).toHaveLength(1); // it waits for a next job
    const second = await job({ ...a });
    expect(second.tokens).toEqual(first.tokens);
    expect(await mine("a")()).toEqual(afterFirst); // the same process ran it, and waits again
    // Another environment: not that child.
    await job({ ...a, GGML_REUSE_MARK: "b" });
    const b = await mine("b")();
    expect(b).toHaveLength(1);
    expect(b[0]!.pid).not.toBe(afterFirst[0]!.pid);
    // A run that fails in the child (a GGUF llama.cpp cannot load) ends that child; the next run starts a new one.
    const broken = await patchGguf(f32, join(work, "reuse-unknown-arch.gguf"), { arch: "zzzzz" });
    await expect(job(a, broken)).rejects.toMatchObject({ code: "GGUF_LOAD_FAILED" });
    expect(await mine("a")()).toEqual([]);
    await job(a);
    const fresh = await mine("a")();
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.pid).not.toBe(afterFirst[0]!.pid);
  });

  it("a loadable non-llama architecture (xverse, llama-shaped): passes, and says the cross-check was skipped and why", async () => {
    const xverse = await renameGgufArchitecture(f32, join(work, "xverse.gguf"), "xverse");
    const r = await runMain(["smoke-test", xverse, "--prompt", "the cat sat", "--max-tokens", "4", "--json"], {
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.architecture).toBe("xverse");
    expect(out.reference).toBeUndefined();
    expect(out.referenceSkipped).toMatch(/runs llama models only, this is xverse/);
    expect(r.stderr).toMatch(/warning: reference cross-check skipped: .*xverse/);
    const human = await runMain(["smoke-test", xverse, "--prompt", "the cat sat", "--max-tokens", "4"], { env: env() });
    expect(human.stdout).toMatch(/reference cross-check skipped: the reference forward pass runs llama models only/);
  });

  it("--reference-budget: a cross-check estimated over the budget is skipped, saying why; --reference runs it regardless", async () => {
    const r = await runMain(
      ["smoke-test", f32, "--prompt", "the cat", "--max-tokens", "4", "--reference-budget", "0", "--json"],
      {
        env: env(),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.reference).toBeUndefined();
    expect(out.referenceSkipped).toMatch(
      /would take about \d+ s, over the 0 s budget \(--reference-budget SECONDS allows more/,
    );
    expect(r.stderr).toMatch(/warning: reference cross-check skipped: /);
    const forced = await runMain(
      [
        "smoke-test",
        f32,
        "--prompt",
        "the cat",
        "--max-tokens",
        "4",
        "--reference-budget",
        "0",
        "--reference",
        "--json",
      ],
      { env: env() },
    );
    expect(forced.code, forced.stderr).toBe(0);
    // the GGUF records the folder it was converted from, still there: the original weights are the reference
    expect(JSON.parse(forced.stdout).reference).toMatchObject({ weights: "source", comparedPositions: 4 });
    expectCleanError(
      await runMain(["smoke-test", f32, "--reference-budget", "soon", "--json"], { env: env() }),
      2,
      "USAGE",
    );
  });

  it("library: an aborted signal stops the run", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(smokeTest({ gguf: f32, signal: ac.signal })).rejects.toThrow();
  });
});
