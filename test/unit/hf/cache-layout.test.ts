import { lstat, mkdtemp, readFile, readlink, rm, writeFile, mkdir, realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheLayout } from "../../../src/sources/hf/cache-layout.js";
import { linkSnapshotFile } from "../../../src/sources/hf/link-snapshot-file.js";
import { writeRef } from "../../../src/sources/hf/write-ref.js";
import { readCachedSnapshot } from "../../../src/sources/hf/read-cached-snapshot.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "lg-cache-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));
const C = "1f0c2b6e8d4a9f7c3b5e1d2a4c6e8f0a2b4c6d8e";

describe("cache layout (huggingface_hub's)", () => {
  it("builds the paths and refuses escapes", () => {
    const l = cacheLayout("/c", "models--org--m");
    expect(l.blob("abc")).toBe("/c/models--org--m/blobs/abc");
    expect(l.snapshotFile(C, "a/b.json")).toBe(`/c/models--org--m/snapshots/${C}/a/b.json`);
    expect(l.ref("refs/pr/1")).toBe("/c/models--org--m/refs/refs/pr/1");
    expect(() => l.snapshotFile(C, "../../x")).toThrowError(expect.objectContaining({ code: "HF_UNSAFE_PATH" }));
    expect(() => l.ref("../../x")).toThrowError(expect.objectContaining({ code: "HF_UNSAFE_PATH" }));
  });

  it("links snapshot files with relative symlinks, one ../ more per sub-folder", async () => {
    const l = cacheLayout(dir, "models--org--m");
    await mkdir(join(l.repoDir, "blobs"), { recursive: true });
    await writeFile(l.blob("e1"), "top");
    await writeFile(l.blob("e2"), "deep");
    await linkSnapshotFile({ root: dir, blobPath: l.blob("e1"), snapshotPath: l.snapshotFile(C, "config.json") });
    await linkSnapshotFile({ root: dir, blobPath: l.blob("e2"), snapshotPath: l.snapshotFile(C, "a/b/c.txt") });
    expect(await readlink(l.snapshotFile(C, "config.json"))).toBe("../../blobs/e1");
    expect(await readlink(l.snapshotFile(C, "a/b/c.txt"))).toBe("../../../../blobs/e2");
    expect(await readFile(l.snapshotFile(C, "a/b/c.txt"), "utf8")).toBe("deep");
    // Relinking is idempotent and replaces a wrong link.
    await linkSnapshotFile({ root: dir, blobPath: l.blob("e2"), snapshotPath: l.snapshotFile(C, "config.json") });
    expect(await readlink(l.snapshotFile(C, "config.json"))).toBe("../../blobs/e2");
    expect((await lstat(l.snapshotFile(C, "config.json"))).isSymbolicLink()).toBe(true);
  });

  it("copy mode (HF_HUB_DISABLE_SYMLINKS) writes real files and replaces an earlier link", async () => {
    const l = cacheLayout(dir, "models--org--m");
    await mkdir(join(l.repoDir, "blobs"), { recursive: true });
    await writeFile(l.blob("e1"), "bytes");
    await linkSnapshotFile({ root: dir, blobPath: l.blob("e1"), snapshotPath: l.snapshotFile(C, "a/x.bin") });
    expect(
      await linkSnapshotFile({
        root: dir,
        blobPath: l.blob("e1"),
        snapshotPath: l.snapshotFile(C, "a/x.bin"),
        copy: true,
      }),
    ).toBe("copy");
    const st = await lstat(l.snapshotFile(C, "a/x.bin"));
    expect(st.isFile() && !st.isSymbolicLink()).toBe(true);
    expect(await readFile(l.snapshotFile(C, "a/x.bin"), "utf8")).toBe("bytes");
    expect(
      await linkSnapshotFile({
        root: dir,
        blobPath: l.blob("e1"),
        snapshotPath: l.snapshotFile(C, "a/x.bin"),
        copy: true,
      }),
    ).toBe("unchanged");
  });

  it("writes refs as the bare commit, atomically", async () => {
    const l = cacheLayout(dir, "models--org--m");
    await writeRef({ root: dir, refPath: l.ref("main"), commit: C });
    expect(await readFile(l.ref("main"), "utf8")).toBe(C);
  });

  it("offline: finds the snapshot through refs and refuses dangling links and missing refs", async () => {
    const l = cacheLayout(dir, "models--org--m");
    await mkdir(join(l.repoDir, "blobs"), { recursive: true });
    await writeFile(l.blob("e1"), "{}");
    await linkSnapshotFile({ root: dir, blobPath: l.blob("e1"), snapshotPath: l.snapshotFile(C, "config.json") });
    await writeRef({ root: dir, refPath: l.ref("main"), commit: C });
    const snap = await readCachedSnapshot({ layout: l, repoId: "org/m", revision: "main" });
    expect(snap.commit).toBe(C);
    expect(snap.files.map((f) => [f.path, f.size])).toEqual([["config.json", 2]]);
    expect(await realpath(snap.files[0]!.absPath)).toBe(await realpath(l.blob("e1")));
    await expect(readCachedSnapshot({ layout: l, repoId: "org/m", revision: "v2" })).rejects.toMatchObject({
      code: "HF_OFFLINE_CACHE_MISS",
      category: "not-found",
    });
    await linkSnapshotFile({
      root: dir,
      blobPath: l.blob("gone"),
      snapshotPath: l.snapshotFile(C, "model.safetensors"),
    });
    await expect(readCachedSnapshot({ layout: l, repoId: "org/m", revision: C })).rejects.toMatchObject({
      code: "HF_OFFLINE_CACHE_MISS",
    });
    expect(
      (await readCachedSnapshot({ layout: l, repoId: "org/m", revision: C, include: ["*.json"] })).files,
    ).toHaveLength(1);
  });
});
