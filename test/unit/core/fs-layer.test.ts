import { execFileSync } from "node:child_process";
import { chown, lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { filesystemErrorFrom } from "../../../src/core/fs/filesystem-error-from.js";
import { openAtomicFile } from "../../../src/core/fs/open-atomic-file.js";
import { openRegularFile } from "../../../src/core/fs/open-regular-file.js";
import { renameIntoPlace } from "../../../src/core/fs/rename-into-place.js";
import { writeFileAtomic } from "../../../src/core/fs/write-file-atomic.js";
import { openAtomicFileWriter } from "../../../src/formats/io/atomic-file-writer.js";
import { downloadFiles } from "../../../src/download/download-files.js";
import { startRangeServer } from "../../helpers/range-server.js";
import { useTempDir } from "../../helpers/temp-dir.js";
import { readMd5Checklist } from "../../../src/verify/read-md5-checklist.js";
import { convertCheckpoint } from "../../../src/convert/convert-checkpoint.js";
import { writeTinyMetaCheckpoint } from "../../helpers/tiny-llama-checkpoint.js";
import { TINY_SPEC } from "../../helpers/tiny-llama-model.js";

const tmp = useTempDir("fs-layer");
const errno = (code: string) => Object.assign(new Error(code), { code });

describe("the one atomic writer", () => {
  it("uses an unpredictable temp name per writer, created with O_EXCL, and nothing under the final name before commit", async () => {
    const path = join(tmp(), "out.bin");
    const a = await openAtomicFile({ path });
    const b = await openAtomicFile({ path });
    expect(a.tempPath).not.toBe(b.tempPath);
    expect(a.tempPath).toMatch(/\/\.out\.bin\.\d+\.[0-9a-f]{16}\.tmp$/);
    await a.write(Buffer.from("first"));
    await b.abort();
    expect(await readdir(tmp())).not.toContain("out.bin");
    await a.commit();
    expect(await readFile(path, "utf8")).toBe("first");
    expect(await readdir(tmp())).toEqual(["out.bin"]);
  });

  it("never follows a link: create refuses a planted name, update/read refuse a link (ELOOP), the victim is untouched", async () => {
    const victim = join(tmp(), "victim");
    await writeFile(victim, "precious");
    const link = join(tmp(), "link");
    await symlink(victim, link);
    await expect(openRegularFile({ path: link, mode: "create" })).rejects.toMatchObject({ code: "EEXIST" });
    for (const mode of ["update", "read"] as const) {
      const e = await openRegularFile({ path: link, mode }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: "ELOOP" });
      expect(filesystemErrorFrom(e, link)).toMatchObject({ code: "UNSAFE_FILE", category: "filesystem" });
    }
    const fifo = join(tmp(), "fifo");
    execFileSync("mkfifo", [fifo]);
    await expect(openRegularFile({ path: fifo, mode: "read" })).rejects.toMatchObject({ code: "UNSAFE_FILE" });
    expect(await readFile(victim, "utf8")).toBe("precious");
  });

  // Only root can give a file to another user: the ownership rule is checked where the tests run as root.
  it.skipIf(process.getuid?.() !== 0)(
    "a file of another user is not trusted, except plain data read with anyOwner",
    async () => {
      const p = join(tmp(), "checklist.chk");
      await writeFile(p, "0123456789abcdef0123456789abcdef  params.json\n");
      await chown(p, 12345, 12345);
      await expect(openRegularFile({ path: p, mode: "read" })).rejects.toMatchObject({ code: "UNSAFE_FILE" });
      await expect(openRegularFile({ path: p, mode: "update" })).rejects.toMatchObject({ code: "UNSAFE_FILE" });
      expect(await readMd5Checklist({ path: p, name: "checklist.chk" })).toHaveLength(1);
    },
  );

  it("renameIntoPlace refuses a link or a file swapped in under the temp name", async () => {
    const dir = tmp();
    const victim = join(dir, "victim");
    await writeFile(victim, "precious");
    const w = await openAtomicFile({ path: join(dir, "final") });
    await w.write(Buffer.from("bytes"));
    const real = join(dir, "moved-away");
    await renameIntoPlace({ from: w.tempPath, to: real, syncDir: false }); // the attacker moves ours away...
    await symlink(victim, w.tempPath); // ...and plants a link under the temp name
    await expect(w.commit()).rejects.toMatchObject({ code: "UNSAFE_FILE" });
    expect((await lstat(join(dir, "final")).catch(() => undefined))?.isSymbolicLink()).not.toBe(true);
    expect(await readFile(victim, "utf8")).toBe("precious");
    await w.abort();
  });

  it("writeFileAtomic replaces a planted link with a regular file and leaves its target alone", async () => {
    const victim = join(tmp(), "victim");
    await writeFile(victim, "precious");
    const p = join(tmp(), "state.json");
    await symlink(victim, p);
    await writeFileAtomic({ path: p, data: "{}" });
    expect((await lstat(p)).isFile()).toBe(true);
    expect(await readFile(victim, "utf8")).toBe("precious");
  });
});

describe("the one errno mapper", () => {
  it("a full disk is DISK_FULL everywhere, with a hint naming the flag that picks the place", () => {
    const dl = filesystemErrorFrom(errno("ENOSPC"), "/d/f") as { code: string; hint: string };
    const out = filesystemErrorFrom(errno("ENOSPC"), "/o/f", "write", {
      flag: "--out",
      kept: "nothing was written",
    }) as typeof dl;
    expect(dl).toMatchObject({ code: "DISK_FULL", category: "filesystem" });
    expect(out).toMatchObject({ code: "DISK_FULL", category: "filesystem" });
    expect(dl.hint).toMatch(/--dir.*resumes/);
    expect(out.hint).toMatch(/Free some disk space or pick another --out/);
    expect(filesystemErrorFrom(errno("EACCES"), "/o", "write", { flag: "--out" })).toMatchObject({
      code: "PERMISSION_DENIED",
    });
    expect(filesystemErrorFrom(errno("ENAMETOOLONG"), "/o")).toMatchObject({
      code: "NAME_TOO_LONG",
      category: "filesystem",
    });
    expect(filesystemErrorFrom(errno("EBADF"), "/o", "write", { fallbackCode: "WRITE_FAILED" })).toMatchObject({
      code: "WRITE_FAILED",
    });
  });

  // A real full disk: a 1 MiB tmpfs (root in a container can mount one; skipped elsewhere).
  it.skipIf(process.platform !== "linux")(
    "a real ENOSPC: the format writer, the download engine and convert all say DISK_FULL",
    async (ctx) => {
      const mnt = join(tmp(), "small");
      await mkdir(mnt);
      try {
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt], { stdio: "ignore" });
      } catch {
        return ctx.skip();
      }
      const server = await startRangeServer({ files: { "/a.bin": Buffer.alloc(3 << 20, 7) } });
      try {
        const w = await openAtomicFileWriter({ path: join(mnt, "model.gguf") });
        const e1 = (await w.write(Buffer.alloc(3 << 20, 1)).catch((e: unknown) => e)) as { code: string; hint: string };
        await w.abort();
        expect(e1).toMatchObject({ code: "DISK_FULL", category: "filesystem" });
        expect(e1.hint).toMatch(/--out/);
        const e2 = (await downloadFiles({
          files: [{ url: `${server.origin}/a.bin`, destPath: join(mnt, "a.bin"), displayName: "a.bin" }],
          retry: { attempts: 1, baseMs: 5, maxMs: 10 },
        }).catch((e: unknown) => e)) as { code: string; hint: string };
        expect(e2).toMatchObject({ code: "DISK_FULL", category: "filesystem" });
        expect(e2.hint).toMatch(/--dir/);
        // A conversion onto a nearly full disk: the same code, whichever file hits the wall first.
        for (const n of await readdir(mnt)) await rm(join(mnt, n), { force: true });
        const input = join(tmp(), "llama-tiny");
        await writeTinyMetaCheckpoint({ dir: input, spec: TINY_SPEC, shards: 1, dtype: "F32" });
        await writeFile(join(mnt, "filler"), Buffer.alloc((1 << 20) - (8 << 10)));
        for (const to of ["hf", "gguf"] as const) {
          const e3 = (await convertCheckpoint({ input, to, out: join(mnt, `out-${to}`) }).catch((e: unknown) => e)) as {
            hint: string;
          };
          expect(e3, to).toMatchObject({ code: "DISK_FULL", category: "filesystem" });
          expect(e3.hint).toMatch(/--out/);
        }
      } finally {
        await server.close();
        execFileSync("umount", [mnt], { stdio: "ignore" });
        await rm(mnt, { recursive: true, force: true });
      }
    },
  );
});
