import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliRun } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

// Most cases are pure evaluation: they run in-process through main(argv, ctx). A few spawn the built CLI
// (npm test builds first) to pin the real process boundary: argv, stdout/stderr and the exit status.
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "llamagate-license-cli-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const baseEnv = () => ({ HOME: dataDir, LLAMAGATE_DATA_DIR: dataDir });
/** In-process run with a temp data folder and no TTY. */
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
  runMain(args, { env: { ...baseEnv(), ...env } });
/** The same through the spawned binary. */
const spawned = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
  runCli(args, { cleanEnv: true, env: { ...baseEnv(), ...env } });

const DISCLAIMER = "automated reading of the license text, not legal advice";
const auditLines = async (dir = dataDir) =>
  (await readFile(join(dir, "license-audit.jsonl"), "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("llamagate license check: one exit code per verdict", () => {
  it.each([
    [["llama-2-7b", "--mau", "699,999,999"], 0, "permitted"],
    [["llama-2-7b", "--mau", "700000000"], 0, "permitted"],
    [["llama-2-7b", "--mau", "700000001"], 12, "requires-meta-license"],
    [["llama-3.1-8b", "--mau", "400M", "--affiliates-mau", "300000001"], 12, "requires-meta-license"],
    [["llama-3.1-8b", "--mau", "1M", "--use", "redistribute"], 11, "permitted-with-obligations"],
    [["codellama-13b", "--mau", "1M", "--use", "train-other-llm"], 13, "not-permitted"],
    [["llama-3.2-11b-vision-instruct", "--mau", "1M", "--region", "DE"], 13, "not-permitted"],
    [["llama-3.2-11b-vision-instruct", "--mau", "1M", "--region", "DE", "--end-user"], 0, "permitted"],
    [
      ["llama-3.1-70b", "--mau", "1M", "--use", "train-other-llm", "--derivative-name", "Acme-70B"],
      13,
      "not-permitted",
    ],
    [
      ["llama-3.1-70b", "--mau", "1M", "--use", "train-other-llm", "--derivative-name", "Llama-Acme-70B"],
      11,
      "permitted-with-obligations",
    ],
  ] as [string[], number, string][])("%j -> exit %d (%s)", async (args, code, verdict) => {
    const r = await cli(["license", "check", ...args, "--json"]);
    expect(r.code).toBe(code);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.verdict).toBe(verdict);
    expect(out.exitCode).toBe(code);
    expect(out.disclaimer).toBe(DISCLAIMER);
  });

  it("human output lists reasons with sections and the disclaimer", async () => {
    const r = await cli([
      "license",
      "check",
      "llama-3-8b",
      "--mau",
      "5M",
      "--use",
      "redistribute,fine-tune",
      "--product-name",
      "Acme Chat",
    ]);
    expect(r.code).toBe(11);
    expect(r.stdout).toContain("Verdict: PERMITTED WITH OBLIGATIONS");
    expect(r.stdout).toContain("(§2)");
    expect(r.stdout).toContain('"Built with Meta Llama 3"');
    expect(r.stdout).toContain("Meta Llama 3 is licensed under the Meta Llama 3 Community License");
    expect(r.stdout).toContain(`This is an ${DISCLAIMER}.`);
    // No terminal and no --accept-license: nothing recorded, and it says which flag would record it.
    expect(r.stderr).toContain("--accept-license");
  });
});

describe("the spawned binary", () => {
  it("exits with the verdict's code and prints one JSON object; a usage error exits 2 with nothing on stdout", async () => {
    const r = await spawned(["license", "check", "llama-2-7b", "--mau", "700000001", "--json"]);
    expect(r.code).toBe(12);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: "requires-meta-license", exitCode: 12 });
    const bad = await spawned(["license", "check", "llama-2-7b", "--mau", "lots"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain("--mau");
  });
});

describe("bad input: exit 2 naming the field", () => {
  it.each([
    [["llama-2-7b", "--mau", "-5"], "--mau"],
    [["llama-2-7b", "--mau", "lots"], "--mau"],
    [["llama-2-7b", "--mau", "1.5"], "--mau"],
    [["llama-2-7b", "--mau", "1", "--affiliates-mau", "-1"], "--affiliates-mau"],
    [["llama-2-7b", "--mau", "1", "--region", "XX"], "--region"],
    [["llama-2-7b", "--mau", "1", "--use", "resell"], "--use"],
    [["llama-2-7b"], "--mau"],
    [["llama-3.2-90b-vision", "--mau", "1"], "--region"],
    [["no-such-model", "--mau", "1"], "Unknown model"],
  ] as [string[], string][])("%j", async (args, field) => {
    const r = await cli(["license", "check", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(field);
    expect(r.stdout).toBe("");
    const j = await cli(["license", "check", ...args, "--json"]);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout).error.category).toBe("usage");
  });
});

describe("profile file", () => {
  it("is read, flags override it, and its errors name the field", async () => {
    const profile = join(dataDir, "org.json");
    await writeFile(profile, JSON.stringify({ organization: "Acme", mau: "800M", region: "US", uses: ["commercial"] }));
    expect((await cli(["license", "check", "llama-2-7b", "--profile", profile])).code).toBe(12);
    expect((await cli(["license", "check", "llama-2-7b", "--profile", profile, "--mau", "1000"])).code).toBe(0);
    await writeFile(profile, JSON.stringify({ mau: "800M", Region: "US" }));
    const bad = await cli(["license", "check", "llama-2-7b", "--profile", profile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('field "Region"');
    await writeFile(profile, "{");
    expect((await cli(["license", "check", "llama-2-7b", "--profile", profile])).stderr).toContain("not valid JSON");
  });
});

describe("acceptance and the audit log", () => {
  it("--accept-license records one JSON line; license log prints it; blocked verdicts are not recorded", async () => {
    const dir = await mkdtemp(join(tmpdir(), "llamagate-audit-cli-"));
    try {
      const env = { LLAMAGATE_DATA_DIR: dir };
      const empty = await cli(["license", "log"], env);
      expect(empty.code).toBe(0);
      expect(empty.stdout).toContain("No license acceptances recorded");

      const ok = await cli(
        [
          "license",
          "check",
          "llama-3.1-8b",
          "--mau",
          "1.2M",
          "--region",
          "fr",
          "--use",
          "commercial",
          "--accept-license",
        ],
        env,
      );
      expect(ok.code).toBe(11);
      expect(ok.stderr).toContain("Acceptance recorded");
      const blocked = await cli(["license", "check", "llama-2-7b", "--mau", "2B", "--accept-license"], env);
      expect(blocked.code).toBe(12);
      expect(blocked.stderr).toContain("not recorded");

      const lines = await auditLines(dir);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        model: "llama-3.1-8b",
        licenseFamily: "llama3.1",
        licenseVersion: "3.1",
        licenseTextSha256: null,
        mau: 1_200_000,
        affiliatesMau: 0,
        region: "FR",
        uses: ["commercial"],
        verdict: "permitted-with-obligations",
        acceptedVia: "flag",
        command: "license check",
      });
      expect(typeof lines[0]!.user).toBe("string");
      expect(Number.isNaN(Date.parse(String(lines[0]!.time)))).toBe(false);

      const log = await cli(["license", "log", "--json"], env);
      expect(log.code).toBe(0);
      const j = JSON.parse(log.stdout) as { entries: unknown[]; path: string; disclaimer: string };
      expectDocumentedShape(j, "license log");
      expect(j.entries).toEqual(lines);
      expect(j.path).toBe(join(dir, "license-audit.jsonl"));
      expect(j.disclaimer).toBe(DISCLAIMER);
      const human = await cli(["license", "log"], env);
      expect(human.stdout).toContain("llama-3.1-8b");
      expect(human.stdout).toContain(DISCLAIMER);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("uses XDG_STATE_HOME/llamagate when LLAMAGATE_DATA_DIR is unset", async () => {
    const xdg = await mkdtemp(join(tmpdir(), "llamagate-xdg-"));
    try {
      const r = await spawned(["license", "check", "llama-2-7b", "--mau", "1", "--accept-license"], {
        LLAMAGATE_DATA_DIR: "",
        XDG_STATE_HOME: xdg,
      });
      expect(r.code).toBe(0);
      expect(await auditLines(join(xdg, "llamagate"))).toHaveLength(1);
    } finally {
      await rm(xdg, { recursive: true, force: true });
    }
  });
});

describe("llamagate license show", () => {
  it("prints the family's terms with sections", async () => {
    const r = await cli(["license", "show", "llama-3.2-11b-vision-instruct"]);
    expect(r.code).toBe(0);
    for (const s of [
      "[§2]",
      "[§1.b.i]",
      "[§1.b.iii]",
      "European Union",
      "https://www.llama.com/llama3_2/use-policy",
      DISCLAIMER,
    ])
      expect(r.stdout).toContain(s);
    const l2 = await cli(["license", "show", "codellama-34b", "--json"]);
    expectDocumentedShape(JSON.parse(l2.stdout), "license show");
    const j = JSON.parse(l2.stdout) as {
      license: { id: string; improveOtherLlms: { allowed: boolean } };
      disclaimer: string;
    };
    expect(j.license.id).toBe("llama2");
    expect(j.license.improveOtherLlms.allowed).toBe(false);
    expect(j.disclaimer).toBe(DISCLAIMER);
  });
});
