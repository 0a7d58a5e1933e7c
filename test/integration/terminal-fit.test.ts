/**
 * Output that must fit the terminal, checked on a real one (tmux: a pseudo-terminal whose screen we can read back):
 * `models` shows the columns that fit (sizes included) and never wraps, at 100 and 40 columns; the setup wizard's
 * choices do not wrap at 40 columns. A wrapped line is one that `capture-pane -J` (join wrapped lines) merges.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasTmux, llamagateShellCommand, tmuxOn } from "../helpers/tmux.js";

if (!hasTmux) console.warn("terminal-fit.test.ts skipped: tmux is not installed (.ci/run installs it)");
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe.skipIf(!hasTmux)("output fits the terminal", () => {
  let home: string;
  const socket = `lg-fit-${process.pid}`;
  const tmux = tmuxOn(socket);
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "lg-fit-"));
  });
  afterAll(async () => {
    tmux("kill-server");
    await rm(home, { recursive: true, force: true });
  });

  function start(name: string, cols: number, rows: number, args: string[]) {
    const vars = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      TERM: "xterm-256color",
      LLAMAGATE_DATA_DIR: join(home, name),
    };
    const cmd = llamagateShellCommand(vars, args);
    const r = tmux(
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      String(cols),
      "-y",
      String(rows),
      "-c",
      ROOT,
      `${cmd}; echo EXIT=$?; sleep 60`,
    );
    expect(r.status, r.stderr).toBe(0);
  }
  const screen = (name: string, joined = false) =>
    tmux("capture-pane", "-p", ...(joined ? ["-J"] : []), "-S", "-", "-t", name)
      .stdout.trimEnd()
      .split("\n");
  async function waitFor(name: string, test: (s: string) => boolean, ms = 30_000): Promise<string[]> {
    const until = Date.now() + ms;
    for (;;) {
      const s = screen(name);
      if (test(s.join("\n"))) return s;
      if (Date.now() > until) throw new Error(`timed out; screen:\n${s.join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  for (const cols of [100, 40]) {
    it(`models at ${cols} columns: no line wraps, names whole${cols === 100 ? ", sizes shown" : ""}`, async () => {
      const name = `models${cols}`;
      start(name, cols, 60, ["models"]);
      const lines = await waitFor(name, (s) => /EXIT=\d+/.test(s));
      expect(lines.join("\n")).toContain("EXIT=0");
      expect(screen(name, true)).toHaveLength(lines.length);
      expect(lines.find((l) => /^llama-2-70b-chat( |$)/.test(l))).toBeDefined();
      if (cols === 100) {
        expect(lines[0]).toMatch(/^NAME +SIZE +LICENSE/);
        expect(lines.find((l) => l.startsWith("llama-2-7b "))).toMatch(/~12\.6 GiB +llama2/);
      }
    });
  }

  it("the setup wizard's model choices do not wrap at 40 columns", async () => {
    start("wizard40", 40, 30, ["setup"]);
    const lines = await waitFor("wizard40", (s) => /Which model\?/.test(s) && /navigate/.test(s));
    expect(screen("wizard40", true)).toHaveLength(lines.length);
    // inquirer breaks a long choice itself: then a row starts with the rest of the previous one, not a choice.
    const rows = lines.slice(lines.findIndex((l) => l.includes("Which model?")) + 1);
    const choices = rows.slice(
      0,
      rows.findIndex((l) => l.trim() === ""),
    );
    expect(choices.length).toBeGreaterThan(5);
    for (const row of choices) expect(row).toMatch(/^[❯ ] [a-z][\w.-]* ~[\d.]+ [KMGT]iB$/);
    tmux("send-keys", "-t", "wizard40", "C-c");
    await waitFor("wizard40", (s) => /EXIT=\d+/.test(s));
  });
});
