/** ensureDirInside (issue 21 items 3 and 17), the re-check before a rename, and the reserved names (item 15). */
import { mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { ensureDirInside } from "../../../src/core/fs/ensure-dir-inside.js";
import { renameIntoPlace } from "../../../src/core/fs/rename-into-place.js";
import { reservedNameReason } from "../../../src/core/fs/reserved-name-reason.js";
import { writeFileAtomic } from "../../../src/core/fs/write-file-atomic.js";

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-edi-"));
  return () => rm(work, { recursive: true, force: true });
});

describe("ensureDirInside", () => {
  it("creates the root and each folder below it, and returns the first folder it made", async () => {
    const root = join(work, "a", "root");
    expect(await ensureDirInside({ root, dir: join(root, "x", "y") })).toBe(join(work, "a"));
    expect(await readdir(join(root, "x"))).toEqual(["y"]);
    expect(await ensureDirInside({ root, dir: join(root, "x", "y") })).toBeUndefined();
  });

  it("refuses a folder planted as a link below the root, naming it and its target; the root may be a link", async () => {
    const real = join(work, "real");
    const elsewhere = join(work, "elsewhere");
    await mkdir(real);
    await mkdir(elsewhere);
    await symlink(real, join(work, "root")); // the user's own link: followed
    await symlink(elsewhere, join(real, "m"));
    const err = await ensureDirInside({ root: join(work, "root"), dir: join(work, "root", "m", "sub") }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "UNSAFE_FOLDER", category: "filesystem" });
    expect((err as Error).message).toContain(join(work, "root", "m"));
    expect((err as Error).message).toContain(elsewhere);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it("a file in the way is PATH_CONFLICT ('is not a folder'); a dir outside the root is refused", async () => {
    await writeFile(join(work, "f"), "x");
    await expect(ensureDirInside({ root: work, dir: join(work, "f", "g") })).rejects.toMatchObject({
      code: "PATH_CONFLICT",
      message: `${join(work, "f")} is not a folder.`,
    });
    await expect(ensureDirInside({ root: join(work, "r"), dir: work })).rejects.toMatchObject({
      code: "UNSAFE_FOLDER",
    });
  });

  it("a folder under /proc fails at once instead of looping like mkdir -p", async () => {
    await expect(
      ensureDirInside({ root: "/proc/llamagate-test/a", dir: "/proc/llamagate-test/a" }),
    ).rejects.toMatchObject({ code: "PATH_CONFLICT", category: "filesystem" });
  });

  it("renameIntoPlace re-checks the folders: one swapped for a link after the write is refused", async () => {
    const root = join(work, "root");
    const elsewhere = join(work, "elsewhere");
    await mkdir(join(root, "m"), { recursive: true });
    await mkdir(elsewhere);
    const from = join(root, "tmp-file");
    await writeFile(from, "bytes");
    // The folder is swapped for a link between the write and the rename.
    await rename(join(root, "m"), join(work, "moved"));
    await symlink(elsewhere, join(root, "m"));
    await expect(renameIntoPlace({ from, to: join(root, "m", "f"), root })).rejects.toMatchObject({
      code: "UNSAFE_FOLDER",
    });
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it("writeFileAtomic with a root never writes through a planted folder link", async () => {
    const elsewhere = join(work, "elsewhere");
    await mkdir(elsewhere);
    await mkdir(join(work, "root"));
    await symlink(elsewhere, join(work, "root", ".llamagate-oci"));
    await expect(
      writeFileAtomic({ path: join(work, "root", ".llamagate-oci", "c.json"), data: "{}", root: join(work, "root") }),
    ).rejects.toMatchObject({ code: "UNSAFE_FOLDER" });
    expect(await readdir(elsewhere)).toEqual([]);
  });
});

describe("reservedNameReason", () => {
  it("names the tool's own files in any component, case-insensitively; ordinary names pass", () => {
    for (const p of [
      ".llamagate.lock",
      "sub/.LLAMAGATE.LOCK",
      "consolidated.00.pth.llamagate-partial-123",
      "a/b.llamagate-parts.json",
      ".params.json.llamagate.json",
      ".llamagate-oci/x.json",
      "model.safetensors.corrupt",
      ".params.json.4242.0123456789abcdef.tmp",
    ])
      expect(reservedNameReason(p), p).toBeDefined();
    for (const p of ["params.json", "sub/tokenizer.model", "llamagate-notes.txt", ".gitattributes", "LICENSE"])
      expect(reservedNameReason(p), p).toBeUndefined();
  });
});
