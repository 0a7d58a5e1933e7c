import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliContext } from "../../../src/cli/context.js";
import { licenseAuditLogPath, llamagateDataDir } from "../../../src/core/defaults/llamagate-paths.js";
import { licenseGateParams } from "../../../src/cli/license-gate-params.js";
import { licenseOptions, type LicenseCliOptions } from "../../../src/cli/license-options.js";
import { renderError } from "../../../src/cli/render-error.js";
import { licenseGate } from "../../../src/pipeline/license-gate.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "llamagate-opts-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A context without a terminal (what CI and pipes look like). */
function ctx(): CliContext {
  return {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: { LLAMAGATE_DATA_DIR: dir },
    signal: new AbortController().signal,
  };
}

/**
 * licenseOptions() flags parsed by commander, mapped by licenseGateParams, run through the gate; returns the exit
 * code renderError picks. (That a blocked download makes no request is tested against a real server in
 * test/integration/license-download-gate.test.ts.)
 */
async function gateFromArgv(argv: string[]): Promise<{ code: number; line: string }> {
  const c = ctx();
  const program = new Command("llamagate").exitOverride();
  licenseOptions(program.command("download").argument("<model>").option("--json")).action(
    async (model: string, opts: LicenseCliOptions & { json?: boolean }) => {
      await licenseGate(licenseGateParams({ opts, ctx: c, model, command: "download" }));
    },
  );
  try {
    await program.parseAsync(argv, { from: "user" });
    return { code: 0, line: "" };
  } catch (e) {
    const r = renderError(e);
    return { code: r.exitCode, line: r.line };
  }
}

describe("licenseOptions + licenseGateParams", () => {
  it("non-TTY without --accept-license: exit 3 naming --accept-license", async () => {
    const r = await gateFromArgv(["download", "llama-2-7b", "--mau", "1M"]);
    expect(r.code).toBe(3);
    expect(r.line).toContain("--accept-license");
  });

  it("blocking verdict: exit 3; override + acceptance passes and the reason is logged", async () => {
    expect((await gateFromArgv(["download", "llama-2-7b", "--mau", "700000001", "--accept-license"])).code).toBe(3);
    const ok = await gateFromArgv([
      "download",
      "llama-2-7b",
      "--mau",
      "700000001",
      "--accept-license",
      "--license-override",
      "Meta grant 2026-01",
    ]);
    expect(ok.code).toBe(0);
    const entry = JSON.parse((await readFile(join(dir, "license-audit.jsonl"), "utf8")).trim());
    expect(entry).toMatchObject({
      override: "Meta grant 2026-01",
      verdict: "requires-meta-license",
      command: "download",
      mau: 700_000_001,
    });
  });

  it("maps every flag; --use repeats and splits on commas", () => {
    const program = new Command("x").exitOverride();
    let seen: LicenseCliOptions = {};
    licenseOptions(program.command("dl").argument("<m>")).action((_m: string, o: LicenseCliOptions) => {
      seen = o;
    });
    program.parse(
      [
        "dl",
        "m",
        "--mau",
        "750M",
        "--affiliates-mau",
        "1,000",
        "--region",
        "de",
        "--end-user",
        "--use",
        "commercial",
        "--use",
        "fine-tune,redistribute",
        "--profile",
        "org.json",
        "--accept-license",
      ],
      { from: "user" },
    );
    const p = licenseGateParams({ opts: seen, ctx: ctx(), model: "llama-2-7b", command: "download" });
    expect(p).toMatchObject({
      mau: 750_000_000,
      affiliatesMau: 1000,
      region: "DE",
      endUser: true,
      uses: ["commercial", "redistribute", "fine-tune"],
      profilePath: "org.json",
      acceptLicense: true,
      auditLogPath: join(dir, "license-audit.jsonl"),
      command: "download",
    });
    expect(p.interactive).toBeUndefined();
  });

  it.each([
    [["--mau", "-5"], "--mau"],
    [["--affiliates-mau", "x"], "--affiliates-mau"],
    [["--region", "UK"], "--region"],
    [["--use", "resale"], "--use"],
  ])("bad flag %j is a usage error (exit 2) naming %s", async (flags, name) => {
    const r = await gateFromArgv(["download", "llama-2-7b", ...flags]);
    expect(r.code).toBe(2);
    expect(r.line).toContain(name);
  });

  it("offers the prompt only on a terminal without --json", () => {
    const c = ctx();
    (c.stdin as { isTTY?: boolean }).isTTY = true;
    (c.stderr as { isTTY?: boolean }).isTTY = true;
    expect(typeof licenseGateParams({ opts: {}, ctx: c, model: "llama-2-7b", command: "download" }).interactive).toBe(
      "function",
    );
    expect(
      licenseGateParams({ opts: { json: true }, ctx: c, model: "llama-2-7b", command: "download" }).interactive,
    ).toBeUndefined();
  });
});

describe("data folder", () => {
  it("LLAMAGATE_DATA_DIR, else XDG_STATE_HOME/llamagate, else ~/.local/state/llamagate", () => {
    expect(llamagateDataDir({ LLAMAGATE_DATA_DIR: "/d", XDG_STATE_HOME: "/x", HOME: "/h" })).toBe("/d");
    expect(llamagateDataDir({ XDG_STATE_HOME: "/x", HOME: "/h" })).toBe("/x/llamagate");
    expect(llamagateDataDir({ HOME: "/h" })).toBe("/h/.local/state/llamagate");
    expect(licenseAuditLogPath({ HOME: "/h" })).toBe("/h/.local/state/llamagate/license-audit.jsonl");
  });
});
