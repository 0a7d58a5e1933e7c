import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

describe("llamagate CLI basics", () => {
  it("models --json lists the catalog as one JSON object", async () => {
    const r = await runCli(["models", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; models: { name: string; hfRepo: string }[] };
    expect(out.ok).toBe(true);
    expect(out.models.map((m) => m.name)).toContain("llama-2-70b-chat");
  });
  it("models prints a table on stdout", async () => {
    const r = await runCli(["models"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^codellama-34b-instruct\s+~\d+\.\d GiB\s+llama2\s+\S+\s+Code Llama 34B Instruct\s+CodeLlama-34b-Instruct \(4 shards\)/m,
    );
  });
  it("an unknown command is a usage error (exit 2)", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command");
  });
  it("an unknown command with --json prints one JSON error object", async () => {
    const r = await runCli(["frobnicate", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { category: "usage" } });
  });
  it("--version prints the version", async () => {
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
