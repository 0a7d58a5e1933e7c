import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireDirLock } from "../../../src/core/fs/acquire-dir-lock.js";
import { checkFreeSpace } from "../../../src/core/fs/check-free-space.js";
import { filesystemErrorFrom } from "../../../src/core/fs/filesystem-error-from.js";
import { claimPartial } from "../../../src/download/claim-partial.js";
import { looksLikeHtml } from "../../../src/download/looks-like-html.js";

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "llamagate-fs-"))));
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("checkFreeSpace", () => {
  it("throws DISK_FULL with both numbers when space is short", async () => {
    const statfsImpl = async () => ({ bavail: 10, bsize: 4096 });
    await expect(checkFreeSpace({ dir, neededBytes: 1 << 20, statfsImpl })).rejects.toMatchObject({
      code: "DISK_FULL",
      category: "filesystem",
    });
    await expect(checkFreeSpace({ dir, neededBytes: 1 << 20, statfsImpl })).rejects.toThrow(
      /1\.0 MiB more, 40\.0 KiB available/,
    );
    expect(await checkFreeSpace({ dir, neededBytes: 4096, statfsImpl })).toEqual({ availableBytes: 40960 });
  });
});

describe("acquireDirLock", () => {
  it("is exclusive while held and released afterwards", async () => {
    const lock = await acquireDirLock({ dir });
    const body = JSON.parse(await readFile(lock.path, "utf8"));
    expect(body.pid).toBe(process.pid);
    await expect(acquireDirLock({ dir, isAlive: () => true })).rejects.toMatchObject({ code: "LOCK_HELD" });
    await lock.release();
    const again = await acquireDirLock({ dir });
    await again.release();
  });
  it("waits for a live holder up to waitMs, telling onWait, then fails with LOCK_HELD", async () => {
    await writeFile(join(dir, ".llamagate.lock"), JSON.stringify({ pid: 4242, host: hostname(), startedAt: "then" }));
    const notices: { pid: number; waitedMs: number; timeoutMs: number }[] = [];
    const err = await acquireDirLock({
      dir,
      isAlive: () => true,
      waitMs: 500,
      pollMs: 20,
      onWait: (i) => notices.push(i),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "LOCK_HELD", category: "filesystem", details: { pid: 4242 } });
    expect((err as Error).message).toMatch(/pid 4242 .*waited/);
    expect(notices[0]).toMatchObject({ pid: 4242, timeoutMs: 500 });
    expect(notices[0]!.waitedMs).toBeLessThan(500);
  });
  it("keeps telling onWait while it waits, and takes the lock once the live holder releases it", async () => {
    const path = join(dir, ".llamagate.lock");
    await writeFile(path, JSON.stringify({ pid: 4242, host: hostname(), startedAt: "then" }));
    let notices = 0;
    // noticeEveryMs 0: a notice at every look; the holder lets go after the third one.
    const lock = await acquireDirLock({
      dir,
      isAlive: () => true,
      waitMs: 60_000,
      pollMs: 10,
      noticeEveryMs: 0,
      onWait: () => void (++notices === 3 && rm(path)),
    });
    expect(notices).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(await readFile(lock.path, "utf8")).pid).toBe(process.pid);
    await lock.release();
  });
  it("stops waiting when aborted", async () => {
    await writeFile(join(dir, ".llamagate.lock"), JSON.stringify({ pid: 4242, host: hostname(), startedAt: "then" }));
    const ac = new AbortController();
    const p = acquireDirLock({
      dir,
      isAlive: () => true,
      waitMs: 60_000,
      pollMs: 20,
      signal: ac.signal,
      onWait: () => ac.abort(),
    });
    await expect(p).rejects.toMatchObject({ category: "interrupted" });
  });
  it("takes over a lock left by a dead process", async () => {
    await writeFile(join(dir, ".llamagate.lock"), JSON.stringify({ pid: 4242, host: hostname(), startedAt: "then" }));
    const lock = await acquireDirLock({ dir, isAlive: () => false });
    expect(JSON.parse(await readFile(lock.path, "utf8")).pid).toBe(process.pid);
    await lock.release();
  });
});

describe("claimPartial", () => {
  it("takes the largest partial of a dead run and deletes the other dead ones", async () => {
    const dest = join(dir, "f.bin");
    await writeFile(`${dest}.llamagate-partial-11`, "abc");
    await writeFile(`${dest}.llamagate-partial-12`, "abcdef");
    await writeFile(`${dest}.llamagate-partial-13`, "live run's bytes");
    const r = await claimPartial({ dest, isAlive: (pid) => pid === 13 });
    expect(r).toEqual({ path: `${dest}.llamagate-partial-${process.pid}`, size: 6 });
    expect(await readFile(r.path, "utf8")).toBe("abcdef");
    await expect(readFile(`${dest}.llamagate-partial-11`)).rejects.toThrow();
    expect(await readFile(`${dest}.llamagate-partial-13`, "utf8")).toBe("live run's bytes");
  });
});

describe("filesystemErrorFrom", () => {
  it("maps ENOSPC and EACCES to FilesystemErrors with hints", () => {
    const full = filesystemErrorFrom(Object.assign(new Error("x"), { code: "ENOSPC" }), "/d/f") as {
      code: string;
      category: string;
      hint: string;
    };
    expect(full).toMatchObject({ code: "DISK_FULL", category: "filesystem" });
    expect(full.hint).toMatch(/resumes/);
    expect(filesystemErrorFrom(Object.assign(new Error("x"), { code: "EACCES" }), "/d/f")).toMatchObject({
      code: "PERMISSION_DENIED",
    });
    const other = new Error("plain");
    expect(filesystemErrorFrom(other, "/d")).toBe(other);
  });
});

describe("looksLikeHtml", () => {
  it("recognises HTML pages but not binary or JSON", () => {
    expect(looksLikeHtml(Buffer.from("\n  <!DOCTYPE html><html>"), "a.pth")).toBe(true);
    expect(looksLikeHtml(Buffer.from("<html lang=en>"), "a.pth")).toBe(true);
    expect(looksLikeHtml(Buffer.from("PK\u0003\u0004..."), "a.pth")).toBe(false);
    expect(looksLikeHtml(Buffer.from('{"dim": 1}'), "params.json")).toBe(false);
    expect(looksLikeHtml(Buffer.from("<!DOCTYPE html>"), "index.html")).toBe(false);
  });
});
