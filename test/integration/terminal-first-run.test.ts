/**
 * The first run in a real terminal (tmux: a pseudo-terminal whose screen we can read back), at 80 and 40 columns:
 * the license question comes before any bar, `--meta-url -` reads hidden and ends at Enter, bars fit the screen
 * (name, bytes, speed and ETA at 80 columns), long log lines stay whole, and Ctrl-C clears the bars before its line.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";
import { hasTmux, llamagateShellCommand, tmuxOn } from "../helpers/tmux.js";

if (!hasTmux) console.warn("terminal-first-run.test.ts skipped: tmux is not installed (.ci/run installs it)");
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// One model per test, so that a fault queued for one test's shard is never taken by another test's retry.
const SHARD = {
  w80: "llama-2-7b/consolidated.00.pth",
  w40: "llama-2-7b-chat/consolidated.00.pth",
  wint: "llama-2-13b/consolidated.00.pth",
};
const MiB = 1 << 20;

describe.skipIf(!hasTmux)("first run in a terminal", () => {
  let cdn: MetaCdn;
  let home: string;
  const socket = `lg-test-${process.pid}`;
  const tmux = tmuxOn(socket);

  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b", "llama-2-7b-chat", "llama-2-13b"], shardBytes: 4 * MiB });
    home = await mkdtemp(join(tmpdir(), "lg-term-"));
  });
  afterAll(async () => {
    tmux("kill-server");
    await cdn.close();
    await rm(home, { recursive: true, force: true });
  });

  /** Start the CLI in a detached tmux window of the given size; the window stays after it exits. */
  function start(name: string, cols: number, args: string[], env: Record<string, string> = {}) {
    const vars = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      TERM: "xterm-256color",
      LLAMAGATE_DATA_DIR: join(home, `state-${name}`),
      ...env,
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
      "40",
      "-c",
      ROOT,
      `${cmd}; echo EXIT=$?; sleep 60`,
    );
    expect(r.status, r.stderr).toBe(0);
  }
  const screen = (name: string, joined = false) =>
    tmux("capture-pane", "-p", ...(joined ? ["-J"] : []), "-t", name).stdout;
  async function waitFor(name: string, test: (s: string) => boolean, ms = 30_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const s = screen(name);
      if (test(s)) return s;
      if (Date.now() > until) throw new Error(`timed out; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  /** Hold a shard's transfer (a stall) until the test has read the screen, not for a fixed time; 30 s at most. */
  function hold(): { until: Promise<void>; release: () => void } {
    let release!: () => void;
    const until = new Promise<void>((r) => {
      release = r;
      setTimeout(r, 30_000).unref();
    });
    return { until, release };
  }
  const download = (model: string, dir: string, extra: string[] = []) => [
    "download",
    model,
    "--dir",
    join(home, dir),
    "--no-space-check",
    ...extra,
  ];

  it("80 columns: the license question comes first (no bar drawn over it), then bars keep name, bytes, speed and ETA", async () => {
    const held = hold();
    cdn.fault(SHARD.w80, { kind: "stall", afterBytes: MiB, until: held.until });
    start("w80", 80, download("7B", "d80", ["--mau", "1000"]), { LLAMAGATE_META_URL: cdn.url() });
    const asking = await waitFor("w80", (s) => /Do you accept/.test(s));
    expect(asking).not.toMatch(/^total/m);
    tmux("send-keys", "-t", "w80", "y", "Enter");
    const bars = await waitFor(
      "w80",
      (s) => /^…?\S*consolidated\.00\.pth .*1\.0 MiB \/ 4\.0 MiB/m.test(s) && /^total /m.test(s),
    );
    const lines = bars.split("\n");
    const shard = lines.find((l) => /consolidated\.00\.pth /.test(l))!;
    expect(shard).toMatch(/\[#*-*\] 1\.0 MiB \/ 4\.0 MiB {2}[\d.]+ (B|KiB|MiB)\/s {2}ETA /);
    expect(lines.find((l) => l.startsWith("total "))).toMatch(/MiB .*\/s/);
    // Bar rows never reach the last column (log lines may: they wrap, which is checked below).
    for (const l of lines.filter((x) => /^(total|…|llama)\S* .*\/s/.test(x))) expect(l.length).toBeLessThan(80);
    // The license line is longer than the screen: it wraps (autowrap stays on) and is whole, disclaimer included.
    const whole = screen("w80", true);
    expect(whole).toMatch(/License for llama-2-7b: .*accepted \(prompt\).*not legal advice/);
    held.release();
    const done = await waitFor("w80", (s) => /EXIT=\d+/.test(s));
    expect(done).toContain("EXIT=0");
    expect(done).not.toMatch(/^total /m); // no stale bars once it is over
    expect(done).toMatch(/Done: \d+ files/);
  });

  it("40 columns: rows degrade to fit (no wrapped bar lines); --meta-url - reads hidden and ends at Enter", async () => {
    const held = hold();
    cdn.fault(SHARD.w40, { kind: "stall", afterBytes: MiB, until: held.until });
    start("w40", 40, download("7B-chat", "d40", ["--mau", "1000", "--accept-license", "--meta-url", "-"]));
    await waitFor("w40", (s) => /Paste the download URL/.test(s));
    const url = cdn.url();
    tmux("send-keys", "-t", "w40", "-l", url);
    tmux("send-keys", "-t", "w40", "Enter");
    const bars = await waitFor("w40", (s) => /^total .*MiB/m.test(s) && /^…\S*\.pth .*1\.0 MiB \/ 4\.0 MiB/m.test(s));
    expect(screen("w40", true)).not.toContain("Signature=");
    // Joined capture (-J): a row that wrapped would come back as one line longer than the screen.
    const rows = screen("w40", true)
      .split("\n")
      .filter((l) => /^total |^…\S*\.pth /.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const l of rows) expect(l.length, l).toBeLessThan(40);
    expect(bars).toMatch(/^…\S*\.pth +1\.0 MiB \/ 4\.0 MiB {2}[\d.]+ (B|KiB|MiB)\/s/m); // bytes and speed kept
    held.release();
    expect(await waitFor("w40", (s) => /EXIT=\d+/.test(s))).toContain("EXIT=0");
  });

  it("--json on a terminal: nothing is redrawn (no cursor movement at all), one JSON object", async () => {
    // util-linux `script` gives the CLI a pty and hands back every byte it wrote, escape sequences included.
    const args = download("7B", "djson", ["--mau", "1000", "--accept-license", "--json"]);
    const cmd = `stty cols 100 rows 40; exec ${[process.execPath, "bin/llamagate.js", ...args].map((a) => `'${a}'`).join(" ")}`;
    const child = spawn("script", ["-qec", cmd, "/dev/null"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        TERM: "xterm-256color",
        LLAMAGATE_DATA_DIR: join(home, "state-json"),
        LLAMAGATE_META_URL: cdn.url(),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let raw = "";
    child.stdout.on("data", (d) => (raw += d));
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
    expect(code, raw).toBe(0);
    expect(raw).not.toContain("\x1b[");
    expect(raw).toMatch(/"ok": true/);
  });

  it("Ctrl-C during a download: bars cleared, then one line that fits the command, exit 130", async () => {
    cdn.fault(SHARD.wint, { kind: "stall", afterBytes: MiB, ms: 8000 });
    start("wint", 80, download("13B", "dint", ["--mau", "1000", "--accept-license"]), {
      LLAMAGATE_META_URL: cdn.url(),
    });
    await waitFor("wint", (s) => /^total /m.test(s) && /consolidated\.00\.pth /.test(s));
    tmux("send-keys", "-t", "wint", "C-c");
    const after = await waitFor("wint", (s) => /EXIT=\d+/.test(s));
    expect(after).toContain("EXIT=130");
    expect(screen("wint", true)).toMatch(
      /^llamagate: SIGINT received, stopping \(partial downloads are kept; run again to resume\)/m,
    );
    expect(after).not.toMatch(/^total /m);
    expect(after).not.toMatch(/\[#*-+\]/);
  });
});
