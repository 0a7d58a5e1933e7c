import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether a program is on PATH (tests that need docker-registry / skopeo skip with a note without it). */
export function hasProgram(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/** The CNCF distribution registry (Debian's docker-registry) on 127.0.0.1, with its access log. */
export interface LocalRegistry {
  /** "127.0.0.1:<port>". */
  host: string;
  /** Access-log request lines so far ("GET /v2/... HTTP/1.1" 200). */
  requests(): Promise<string[]>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Start `docker-registry serve` with a temporary config and storage. `htpasswd` turns on Basic auth
 * with one bcrypt user (made with `htpasswd -Bbn`).
 */
export async function startRegistry(
  opts: { htpasswd?: { user: string; password: string } } = {},
): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "llamagate-registry-"));
  const port = await freePort();
  let auth = "";
  if (opts.htpasswd) {
    const r = spawnSync("htpasswd", ["-Bbn", opts.htpasswd.user, opts.htpasswd.password], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
    await writeFile(join(dir, "htpasswd"), r.stdout);
    auth = `auth:\n  htpasswd:\n    realm: llamagate-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  await writeFile(
    join(dir, "config.yml"),
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\n  maintenance:\n    uploadpurging:\n      enabled: false\n${auth}http:\n  addr: 127.0.0.1:${port}\n  secret: llamagate-test-secret\n`,
  );
  // The log goes to a file, not a pipe: a registry blocked on a full pipe would stall every client.
  const logPath = join(dir, "registry.log");
  const logFd = openSync(logPath, "a");
  const child: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", logFd, logFd],
  });
  closeSync(logFd);
  const readLog = () => readFile(logPath, "utf8").catch(() => "");
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`docker-registry did not start:\n${await readLog()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    async requests() {
      return (await readLog())
        .split("\n")
        .map((l) => /"((?:GET|HEAD|POST|PATCH|PUT|DELETE) [^"]*)" (\d{3})/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => `${m[1]} ${m[2]}`);
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
