import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadFiles } from "../../src/download/download-files.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

// The child runs the built engine (dist/): `npm test` builds first.
const ENGINE = resolve(import.meta.dirname, "../../dist/download/download-files.js");
const A = randomBytes(6 * 1024 * 1024);
const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

let server: RangeServer;
let dir: string;
beforeAll(async () => {
  server = await startRangeServer({ files: { "/m/a.pth": A } });
  dir = await mkdtemp(join(tmpdir(), "llamagate-kill-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("transfer engine: kill -9", () => {
  it("a run killed with SIGKILL leaves its lock and partial; the next run takes both over and resumes", async () => {
    // The server sends 2.5 MB, then stalls: the child is killed while it waits.
    server.addFault("/m/a.pth", { kind: "stall", afterBytes: 2_500_000 });
    const dest = join(dir, "m", "a.pth");
    const code = `
      const { downloadFilesIter } = await import(${JSON.stringify(ENGINE)});
      for await (const e of downloadFilesIter({ files: [{ url: ${JSON.stringify(`${server.origin}/m/a.pth?Signature=s`)}, destPath: ${JSON.stringify(dest)}, displayName: "a.pth" }], progressIntervalMs: 0, stallTimeoutMs: 60000 })) {
        if (e.type === "file-progress" && e.bytesDone >= 2000000) process.stdout.write("GOT\\n");
      }`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((res, rej) => {
      child.stdout.on("data", (d: Buffer) => String(d).includes("GOT") && res());
      child.on("exit", (c) => rej(new Error(`child exited early (${c})`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("close", r));

    expect(existsSync(join(dir, ".llamagate.lock")) || existsSync(join(dir, "m", ".llamagate.lock"))).toBe(true);
    const partials = (await readdir(join(dir, "m"))).filter((n) => n.startsWith("a.pth.llamagate-partial-"));
    expect(partials).toEqual([`a.pth.llamagate-partial-${child.pid}`]);

    server.clearLog();
    const s = await downloadFiles({
      files: [
        {
          url: `${server.origin}/m/a.pth`,
          destPath: dest,
          displayName: "a.pth",
          expectedSize: A.length,
          expectedHash: { algorithm: "md5", hex: md5(A) },
        },
      ],
    });
    const range = server.requestsFor("/m/a.pth")[0]!.range;
    expect(range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(range!)![0])).toBeGreaterThanOrEqual(2_000_000);
    expect(s.files[0]!.bytesReused).toBeGreaterThanOrEqual(2_000_000);
    expect(md5(await readFile(dest))).toBe(md5(A));
  });
});
