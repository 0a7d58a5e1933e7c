import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

describe("llamagate demo", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("runs the whole pipeline offline on a real tiny checkpoint, with one dropped connection resumed; --dir keeps working files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "llamagate-demo-test-"));
    dirs.push(dir);
    const data = await mkdtemp(join(tmpdir(), "llamagate-demo-state-"));
    dirs.push(data);
    const r = await runCli(["demo", "--dir", dir, "--max-tokens", "4", "--json"], {
      env: { LLAMAGATE_DATA_DIR: data },
      timeoutMs: 90_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expectDocumentedShape(json, "demo");
    expect(json).toMatchObject({
      ok: true,
      model: "llama-2-7b",
      dir,
      license: { verdict: "permitted", mau: 1000 },
      download: { source: "meta", path: dir, files: 7 },
      verify: { files: 3, ok: 3 },
      convert: { outputs: [{ path: join(dir, "llama-2-7b-bf16.gguf"), format: "gguf", dtype: "BF16" }] },
      smokeTest: { reference: { weights: "source" } },
      note: expect.stringMatching(/weights are random, so the generated text is noise by design/),
      droppedConnections: 1,
      rangedRequests: 1,
    });
    expect(json.download.retries).toBeGreaterThanOrEqual(1);
    expect(json.smokeTest.tokens).toHaveLength(4);
    // A real torch zip checkpoint and the real SentencePiece tokenizer: the files `convert` and `verify` use.
    const shard = await readFile(join(dir, "llama-2-7b/consolidated.00.pth"));
    expect(shard.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004");
    expect((await stat(join(dir, "tokenizer.model"))).size).toBe((await stat("assets/llama2-tokenizer.model")).size);
    expect(r.stderr).not.toMatch(/Policy=|Signature=/);
    // Its license acceptance went to a throwaway log, not the user's.
    await expect(readFile(join(data, "license-audit.jsonl"))).rejects.toMatchObject({ code: "ENOENT" });

    // The README's "Use" steps work on the kept files.
    const verify = await runMain(["verify", dir], { env: { LLAMAGATE_DATA_DIR: data } });
    expect(verify.code, verify.stderr).toBe(0);
    const convert = await runMain(["convert", join(dir, "llama-2-7b"), "--to", "hf", "--json"], {
      env: { LLAMAGATE_DATA_DIR: data },
    });
    expect(convert.code, convert.stderr).toBe(0);
    expect(JSON.parse(convert.stdout).output).toBe(join(dir, "llama-2-7b-hf"));

    // A rerun into the same folder fetches nothing, and says so instead of promising a resume.
    const again = await runMain(["demo", "--dir", dir, "--max-tokens", "4"], {
      env: { LLAMAGATE_DATA_DIR: data },
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already holds the files from an earlier run: nothing needs fetching/);
    expect(again.stderr).not.toMatch(/drop the connection|downloading into/);
    expect(again.stdout).toMatch(/^demo OK: .*\(0 ranged, 0 dropped connection\(s\) resumed\)/m);
    expect(again.stdout).toMatch(
      /^demo: the model's weights are random, so the generated text is noise by design; the cross-check .* is what proves the conversion\.$/m,
    );
    expect(again.stdout).toMatch(/reference on the original weights \(4 positions\): mean KLD/);
  });

  it("without --dir it prints each stage and a human summary, and removes its temporary folder", async () => {
    const r = await runCli(["demo", "--no-show-resume", "--no-convert"], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    for (const stage of ["1/5] license check", "2/5] download", "3/5] verify", "4/5] convert: skipped"])
      expect(r.stderr).toContain(stage);
    expect(r.stdout).toMatch(/^Verified: 3\/3 checksums OK/m);
    expect(r.stdout).toMatch(/^demo OK: .*\(0 ranged, 0 dropped connection\(s\) resumed\)/m);
    expect(r.stdout).toMatch(/temporary folder was removed/);
  });
});
