import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runLlamagate, runLlamagateInProcess, startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";

const SHARD = "llama-2-7b/consolidated.00.pth";
const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

describe("download against a misbehaving CDN", () => {
  let cdn: MetaCdn;
  let dir: string;
  beforeEach(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 1_000_000 });
    dir = join(cdn.work, "out");
  });
  afterEach(() => cdn.close());
  // In this process: the kill -9 and Ctrl-C cases below spawn the built CLI, where the process is what they check.
  const download = (...extra: string[]) =>
    runLlamagateInProcess(["download", "llama-2-7b", "--dir", dir, ...extra], {
      env: { LLAMAGATE_META_URL: cdn.url() },
    });
  const shardGets = () => cdn.cdn.requests.filter((q) => q.method === "GET" && q.path === SHARD);

  it("resumes with a Range request after the server drops the connection mid-file", async () => {
    cdn.fault(SHARD, { kind: "drop", afterBytes: 600_000 });
    const r = await download("--json");
    expect(r.code, r.stderr).toBe(0);
    const gets = shardGets();
    expect(gets).toHaveLength(2);
    expect(gets[0]).toMatchObject({ range: undefined, bytesSent: 600_000 });
    const start = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? "")?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(gets[1]).toMatchObject({ status: 206, bytesSent: 1_000_000 - start });
    expect((await readFile(join(dir, SHARD))).equals(await readFile(join(cdn.root, SHARD)))).toBe(true);
    expect(JSON.parse(r.stdout).retries).toBeGreaterThanOrEqual(1);
  });

  it("kill -9 mid-file, then a rerun continues from the bytes on disk", async () => {
    // The engine writes in ~1 MiB batches: stall after 2.2 MB so at least 2 MiB reach the disk before the kill.
    await cdn.close();
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 3_000_000 });
    dir = join(cdn.work, "out");
    cdn.fault(SHARD, { kind: "stall", afterBytes: 2_200_000, ms: 30_000 });
    const killed = await runLlamagate(["download", "llama-2-7b", "--dir", dir], {
      env: { LLAMAGATE_META_URL: cdn.url() },
      onSpawn: (child) => {
        // Kill without warning once at least 1 MiB of the shard is on disk (in the engine's partial file).
        const poll = setInterval(() => {
          const folder = join(dir, "llama-2-7b");
          const partial = existsSync(folder)
            ? readdirSync(folder).find((n) => n.startsWith("consolidated.00.pth.llamagate-partial-"))
            : undefined;
          if (partial && statSync(join(folder, partial)).size >= 1 << 20) {
            clearInterval(poll);
            child.kill("SIGKILL");
          }
        }, 20);
        child.on("exit", () => clearInterval(poll));
      },
    });
    expect(killed.code).toBe(null);
    const r = await download("--json");
    expect(r.code, r.stderr).toBe(0);
    const gets = shardGets();
    expect(gets).toHaveLength(2);
    const start = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? "")?.[1]);
    expect(start).toBeGreaterThanOrEqual(1 << 20);
    expect(gets[1]!.bytesSent).toBe(3_000_000 - start);
    expect((await readFile(join(dir, SHARD))).equals(await readFile(join(cdn.root, SHARD)))).toBe(true);
  });

  it("Ctrl-C (SIGINT) mid-file: exit 130, partial bytes kept, the rerun resumes", async () => {
    await cdn.close();
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 3_000_000 });
    dir = join(cdn.work, "out");
    cdn.fault(SHARD, { kind: "stall", afterBytes: 2_200_000, ms: 30_000 });
    const interrupted = await runLlamagate(["download", "llama-2-7b", "--dir", dir, "--json"], {
      env: { LLAMAGATE_META_URL: cdn.url() },
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if ((shardGets()[0]?.bytesSent ?? 0) >= 2_200_000) {
            clearInterval(poll);
            child.kill("SIGINT");
          }
        }, 20);
        child.on("exit", () => clearInterval(poll));
      },
    });
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(JSON.parse(interrupted.stdout).error.category).toBe("interrupted");
    await expect(readFile(join(dir, SHARD))).rejects.toMatchObject({ code: "ENOENT" });
    const r = await download();
    expect(r.code, r.stderr).toBe(0);
    expect(shardGets()[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect((await readFile(join(dir, SHARD))).equals(await readFile(join(cdn.root, SHARD)))).toBe(true);
  });

  it("retries a 503 with Retry-After", async () => {
    cdn.fault(SHARD, { kind: "status", status: 503, headers: { "retry-after": "1" }, body: "busy" });
    const r = await download();
    expect(r.code, r.stderr).toBe(0);
    expect(shardGets().map((q) => q.status)).toEqual([503, 200]);
  });

  it("downloads once more after one corrupted response, and succeeds", async () => {
    cdn.fault(SHARD, { kind: "corrupt", atByte: 123_456 });
    const r = await download();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/md5 mismatch/);
    expect((await readFile(join(dir, SHARD))).equals(await readFile(join(cdn.root, SHARD)))).toBe(true);
  });

  it("persistent corruption: exit 6 showing both hashes, no corrupt file under the final name", async () => {
    cdn.always(SHARD, { kind: "corrupt", atByte: 10 });
    const good = await readFile(join(cdn.root, SHARD));
    const bad = Buffer.from(good);
    bad[10] = bad[10]! ^ 0xff;
    const r = await download("--json");
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain(md5(good));
    expect(r.stderr).toContain(md5(bad));
    const json = JSON.parse(r.stdout);
    expect(json.error).toMatchObject({ category: "integrity", details: { expected: md5(good), actual: md5(bad) } });
    await expect(readFile(join(dir, SHARD))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("403 mid-run on a valid link: exit 4, explained, no raw XML", async () => {
    cdn.always(SHARD, {
      kind: "status",
      status: 403,
      headers: { "content-type": "text/xml" },
      body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>',
    });
    const r = await download();
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/refused llama-2-7b\/consolidated\.00\.pth \(HTTP 403\).*download limit/);
    expect(r.stderr).toMatch(/llama\.com\/llama-downloads/);
    expect(r.stderr).not.toMatch(/<\?xml|<Error>|Access denied/);
    // Files that did complete are kept for the next run.
    expect(await readFile(join(dir, "llama-2-7b/checklist.chk"), "utf8")).toMatch(/consolidated.00.pth/);
  });

  it("the per-link download cap (403 after N GETs) is reported as a refused link", async () => {
    await cdn.close();
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 100_000, maxGetsPerPath: 1 });
    dir = join(cdn.work, "out");
    cdn.fault(SHARD, { kind: "drop", afterBytes: 50_000 });
    const r = await download();
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/download limit/);
  });

  it("an HTML page instead of the file: clear error, nothing saved under the final name", async () => {
    cdn.always(SHARD, {
      kind: "html",
      body: "<!DOCTYPE html><html><head><title>Excessive Downloads!</title></head><body>cloudfront-check-download-url</body></html>",
    });
    const r = await download();
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/Excessive Downloads/);
    await expect(readFile(join(dir, SHARD))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a checklist naming a path outside its folder is refused before any weights are fetched", async () => {
    await writeFile(join(cdn.root, "llama-2-7b/checklist.chk"), `${"0".repeat(32)}  ../../evil\n`);
    const r = await download("--json");
    expect(r.code, r.stderr).toBe(6);
    expect(JSON.parse(r.stdout).error.code).toBe("CHECKLIST_UNSAFE_PATH");
    expect(r.stderr).toMatch(/outside its folder/);
    expect(shardGets()).toHaveLength(0);
    expect((await readdir(join(cdn.work))).sort()).toEqual(["cdn", "out"]);
    // The bad checklist is not kept as complete: once the server has a good one, a rerun fetches it and succeeds.
    await expect(readFile(join(dir, "llama-2-7b/checklist.chk"))).rejects.toMatchObject({ code: "ENOENT" });
    const { createHash } = await import("node:crypto");
    const good = await Promise.all(
      ["consolidated.00.pth", "params.json"].map(
        async (n) =>
          `${createHash("md5")
            .update(await readFile(join(cdn.root, "llama-2-7b", n)))
            .digest("hex")}  ${n}`,
      ),
    );
    await writeFile(join(cdn.root, "llama-2-7b/checklist.chk"), `${good.join("\n")}\n`);
    const again = await download();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/llama-2-7b\/consolidated\.00\.pth: OK/);
  });

  it("a server that ignores Range on the resume: the file restarts and still ends up exact", async () => {
    cdn.fault(SHARD, { kind: "drop", afterBytes: 300_000 }, { kind: "ignore-range" });
    const r = await download();
    expect(r.code, r.stderr).toBe(0);
    const gets = shardGets();
    expect(gets[1]).toMatchObject({ status: 200, fault: "ignore-range" });
    expect(gets[1]!.range).toBeDefined();
    expect((await readFile(join(dir, SHARD))).equals(await readFile(join(cdn.root, SHARD)))).toBe(true);
  });

  it("a stalled transfer is aborted after --stall-timeout and resumed", async () => {
    cdn.fault(SHARD, { kind: "stall", afterBytes: 400_000, ms: 20_000 });
    const r = await download("--stall-timeout", "1");
    expect(r.code, r.stderr).toBe(0);
    expect(shardGets()).toHaveLength(2);
    expect((await readFile(join(dir, SHARD))).equals(await readFile(join(cdn.root, SHARD)))).toBe(true);
  });

  it("an HTML page saved as checklist.chk (the wrongly copied link case) is explained, exit 4", async () => {
    cdn.always("llama-2-7b/checklist.chk", {
      kind: "html",
      body: '<!DOCTYPE html><html><head><title>Facebook</title></head><body><a href="https://www.facebook.com/unsupportedbrowser">Update your browser</a></body></html>',
    });
    const r = await download("--json");
    expect(r.code, r.stderr).toBe(4);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "META_HTML_PAGE", details: { page: "facebook" } });
    await expect(readFile(join(dir, "llama-2-7b/checklist.chk"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(shardGets()).toHaveLength(0);
  });

  it("a file the checklist does not list is downloaded with a warning", async () => {
    const chk = join(cdn.root, "llama-2-7b/checklist.chk");
    const lines = (await readFile(chk, "utf8")).split("\n").filter((l) => !l.endsWith("params.json"));
    await writeFile(chk, lines.join("\n"));
    const r = await download("--json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/not listed in their checklist.*llama-2-7b\/params\.json/);
    const params = JSON.parse(r.stdout).files.find((f: { name: string }) => f.name === "llama-2-7b/params.json");
    expect(params.verified).toBe(false);
  });
});
