/**
 * Push shows progress on a real terminal (issue 22 item 2): the hashing row, then upload bars with the file name
 * and bytes, on the same display as pull. The registry (real docker-registry) is reached through a fault proxy
 * that holds the second chunk, so the bars are on screen while the screen is read.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startFaultProxy } from "../helpers/oci-fault-proxy.js";
import { hasProgram, startRegistry, type LocalRegistry } from "../helpers/oci-registry.js";
import { llamagateShellCommand, tmuxOn } from "../helpers/tmux.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const READY = hasProgram("tmux") && hasProgram("docker-registry");
const socket = `lg-push-${process.pid}`;
const tmux = tmuxOn(socket);
let registry: LocalRegistry;
let work: string;

beforeAll(async () => {
  if (!READY) return;
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), "llamagate-push-tty-"));
});
afterAll(async () => {
  tmux("kill-server");
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

it.skipIf(!READY)("a terminal shows the upload bar (name, bytes) while a blob is being sent", async () => {
  const model = join(work, "llama-2-7b");
  await mkdir(model, { recursive: true });
  await writeFile(join(model, "consolidated.00.pth"), randomBytes(3 * (1 << 20)));
  await writeFile(join(model, "params.json"), '{"dim":64}');
  const proxy = await startFaultProxy({
    target: registry.host,
    fault: (req, n) => (req.method === "PATCH" && n === 3 ? "hold" : undefined),
  });
  try {
    const vars = {
      PATH: process.env.PATH ?? "",
      HOME: work,
      TERM: "xterm-256color",
      LLAMAGATE_DATA_DIR: join(work, "s"),
    };
    const args = ["push", model, `${proxy.host}/llama/l2:v1`, "--plain-http", "--chunk-mb", "1", "--concurrency", "1"];
    const cmd = llamagateShellCommand(vars, args);
    const r = tmux("new-session", "-d", "-s", "push", "-x", "100", "-y", "30", "-c", ROOT, `${cmd}; sleep 60`);
    expect(r.status, r.stderr).toBe(0);
    const until = Date.now() + 25_000;
    let screen = "";
    while (Date.now() < until) {
      screen = tmux("capture-pane", "-p", "-t", "push").stdout;
      if (/consolidated\.00\.pth \[[#-]+\] [\d.]+ MiB \/ 3\.0 MiB/.test(screen)) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    // A bar row per blob being sent (name, bar, bytes of the blob's size) and the total row, as pull draws them.
    expect(screen, screen).toMatch(/consolidated\.00\.pth \[[#-]+\] [\d.]+ MiB \/ 3\.0 MiB/);
    expect(screen).toMatch(/^total \[[#-]+\] .* \d\/2 files/m);
  } finally {
    tmux("kill-session", "-t", "push");
    await proxy.stop();
  }
});
