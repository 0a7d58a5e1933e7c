// A GGUF converted by llamagate records the folder it came from (llamagate.source.*), so `smoke-test FILE.gguf`
// without --source cross-checks it against the original weights while they are on disk, and says why not when they
// moved or changed. Built CLI, real llama.cpp child: generous timeouts.
import { appendFile, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openGguf } from "../../src/formats/gguf/index.js";
import { runCli } from "../helpers/run-cli.js";
import { torchFixtureFolder } from "../helpers/smoke-fixtures.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

describe("smoke-test FILE.gguf finds its source from the GGUF's metadata", { timeout: 300_000 }, () => {
  let work: string;
  let folder: string;
  let gguf: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-smoke-src-"));
    folder = await torchFixtureFolder(work);
    gguf = join(work, "tiny-q8_0.gguf");
    const c = await runCli(["convert", folder, "--to", "gguf", "--dtype", "q8_0", "--out", gguf, "--json"], {
      timeoutMs: 120_000,
    });
    expect(c.code, c.stderr).toBe(0);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  const smoke = (...extra: string[]) =>
    runCli(["smoke-test", gguf, "--prompt", "the cat", "--max-tokens", "8", ...extra, "--json"], {
      timeoutMs: 200_000,
    });

  it("convert records the source folder, its kind and its files in llamagate.source.*", async () => {
    const f = await openGguf({ path: gguf });
    try {
      expect(f.metadata.get("llamagate.source.path")?.value).toBe(folder);
      expect(f.metadata.get("llamagate.source.kind")?.value).toBe("meta");
      const files = f.metadata.get("llamagate.source.files")?.value as string[];
      expect(files).toEqual(expect.arrayContaining([expect.stringMatching(/^consolidated\.00\.pth \d+$/)]));
      expect(f.metadata.get("llamagate.source.sha256")?.value).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await f.close();
    }
  });

  it("the GGUF alone is cross-checked against the original weights, and says where they were found", async () => {
    const r = await smoke();
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expectDocumentedShape(out, "smoke-test", ["note", "referenceSkipped", "cache", "sourceSkipped"]);
    expect(out.source).toEqual({ path: folder, from: "gguf-metadata" });
    expect(out.reference).toMatchObject({ weights: "source", comparedPositions: 8 });
    expect(out.reference.failure).toBeUndefined();
    const human = await runCli(["smoke-test", gguf, "--prompt", "the cat", "--max-tokens", "8"], {
      timeoutMs: 200_000,
    });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`source: ${folder} (recorded in the GGUF, unchanged)`);
  });

  it("a source folder that changed, or moved away, is not used: the output says the check was skipped and why", async () => {
    const changed = join(folder, "params.json");
    await appendFile(changed, " ");
    const r1 = await smoke();
    expect(r1.code, r1.stderr).toBe(0);
    const o1 = JSON.parse(r1.stdout);
    expect(o1.source).toBeUndefined();
    expect(o1.sourceSkipped).toMatch(/holds different files now/);
    expect(o1.reference).toMatchObject({ weights: "gguf" });

    await rename(folder, `${folder}-moved`);
    const r2 = await smoke();
    expect(r2.code, r2.stderr).toBe(0);
    const o2 = JSON.parse(r2.stdout);
    expect(o2.source).toBeUndefined();
    expect(o2.sourceSkipped).toBe(
      `skipped: ${folder}, the folder it was converted from, no longer exists (pass --source FOLDER where the original weights are now); the reference ran on the GGUF's own weights, which cannot show a wrong conversion`,
    );
    expect(o2.reference).toMatchObject({ weights: "gguf" });
    expect(r2.stderr).toMatch(/^warning: cross-check against the original weights skipped: .* no longer exists/m);

    // --source still names it explicitly
    const r3 = await smoke("--source", `${folder}-moved`);
    expect(r3.code, r3.stderr).toBe(0);
    expect(JSON.parse(r3.stdout)).toMatchObject({
      source: { path: `${folder}-moved`, from: "argument" },
      reference: { weights: "source" },
    });
  });
});
