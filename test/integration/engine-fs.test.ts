import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadFiles } from "../../src/download/download-files.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

const A = randomBytes(3 * 1024 * 1024);
const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const FAST_RETRY = { attempts: 2, baseMs: 5, maxMs: 20 };

let server: RangeServer;
let root: string;
/** A 1 MiB tmpfs, when this process may mount one (root in a container usually can). */
let small: string | undefined;

beforeAll(async () => {
  server = await startRangeServer({ files: { "/a.pth": A } });
  root = await mkdtemp(join(tmpdir(), "llamagate-fs-"));
  const mnt = join(root, "small");
  try {
    execFileSync("mkdir", ["-p", mnt]);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt], { stdio: "ignore" });
    small = mnt;
  } catch {
    small = undefined;
  }
});
afterAll(async () => {
  if (small) execFileSync("umount", [small], { stdio: "ignore" });
  await rm(root, { recursive: true, force: true });
  await server.close();
});

describe("transfer engine: filesystem problems", () => {
  it("free-space preflight fails before any request when the sizes do not fit", async () => {
    server.clearLog();
    const dest = join(root, "pf", "a.pth");
    const err = await downloadFiles({
      files: [
        { url: `${server.origin}/a.pth`, destPath: dest, displayName: "a.pth", expectedSize: Number.MAX_SAFE_INTEGER },
      ],
      retry: FAST_RETRY,
    }).catch((e) => e);
    expect(err).toMatchObject({ code: "DISK_FULL", category: "filesystem" });
    expect(err.message).toMatch(/Not enough free space in .*pf: the download needs/);
    expect(server.log).toEqual([]);
  });

  it("a destination blocked by a file is a filesystem error, not a crash", async () => {
    await writeFile(join(root, "blocker"), "x");
    const err = await downloadFiles({
      files: [{ url: `${server.origin}/a.pth`, destPath: join(root, "blocker", "sub", "a.pth"), displayName: "a.pth" }],
      retry: FAST_RETRY,
    }).catch((e) => e);
    expect(err).toMatchObject({ category: "filesystem" });
  });

  it.skipIf(process.platform !== "linux")(
    "disk full mid-transfer: DISK_FULL with a hint, partial kept, no final file",
    async (ctx) => {
      if (!small) return ctx.skip();
      const dest = join(small, "a.pth");
      // No expected size: the preflight cannot know, the write hits ENOSPC.
      const err = await downloadFiles({
        files: [{ url: `${server.origin}/a.pth`, destPath: dest, displayName: "a.pth" }],
        retry: FAST_RETRY,
      }).catch((e) => e);
      expect(err).toMatchObject({ code: "DISK_FULL", category: "filesystem" });
      expect(err.hint).toMatch(/partial download is kept/);
      expect(existsSync(dest)).toBe(false);
      const partial = (await readdir(small)).find((n) => n.startsWith("a.pth.llamagate-partial-"));
      expect(partial).toBeDefined();
      expect((await stat(join(small, partial!))).size).toBeGreaterThan(0);
      // With the expected size, the preflight says so up front.
      const pre = await downloadFiles({
        files: [
          {
            url: `${server.origin}/a.pth`,
            destPath: dest,
            displayName: "a.pth",
            expectedSize: A.length,
            expectedHash: { algorithm: "md5", hex: md5(A) },
          },
        ],
        retry: FAST_RETRY,
      }).catch((e) => e);
      expect(pre).toMatchObject({ code: "DISK_FULL" });
    },
  );
});
