/** Bundles: round trip, and every hostile tarball is refused with nothing written to the destination. */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Header, Pax } from "tar";
import { beforeEach, describe, expect, it } from "vitest";
import type { BundleManifest } from "../../../src/formats/tar/bundle-manifest.js";
import { extractBundle } from "../../../src/formats/tar/extract-bundle.js";
import { writeBundle } from "../../../src/formats/tar/write-bundle.js";

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-tar-"));
  return () => rm(work, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A raw tar member (header + padded body), written with node-tar's header encoder. */
function member(path: string, body: Buffer, extra: { type?: string; linkpath?: string; size?: number } = {}): Buffer {
  const data = {
    path,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: extra.size ?? body.length,
    mtime: new Date(0),
    type: (extra.type ?? "File") as "File",
    linkpath: extra.linkpath,
  };
  const block = Buffer.alloc(512);
  const pax = new Header(data).encode(block, 0) ? new Pax(data).encode() : Buffer.alloc(0);
  const pad = body.length % 512 ? Buffer.alloc(512 - (body.length % 512)) : Buffer.alloc(0);
  return Buffer.concat([pax, block, body, pad]);
}

function manifestOf(files: Record<string, Buffer>): Buffer {
  const m: BundleManifest = {
    format: "llamagate-bundle",
    version: 1,
    createdAt: "2026-01-01T00:00:00Z",
    model: null,
    files: Object.entries(files).map(([path, b]) => ({ path, size: b.length, sha256: sha(b) })),
    license: null,
  };
  return Buffer.from(JSON.stringify(m));
}

const END = Buffer.alloc(1024);
const A = Buffer.from("weights-a".repeat(100));

async function unpackRaw(tar: Buffer) {
  const bundle = join(work, "b.tar");
  await writeFile(bundle, tar);
  const dest = join(work, "dest");
  const result = await extractBundle({ bundle, dir: dest }).then(
    (r) => ({ ok: true as const, r }),
    (e) => ({ ok: false as const, e }),
  );
  return { result, left: await readdir(dest).catch(() => [] as string[]) };
}

describe("bundles", () => {
  it("round trip: writeBundle then extractBundle gives the same bytes, nested paths, an empty file and a long (pax) name", async () => {
    const files: Record<string, Buffer> = {
      "a.safetensors": randomBytes(70_000),
      "sub/dir/tokenizer.model": randomBytes(513),
      ["x".repeat(150) + ".json"]: Buffer.alloc(0),
    };
    const src = join(work, "src");
    const sources = new Map<string, string>();
    for (const [p, b] of Object.entries(files)) {
      const abs = join(src, ...p.split("/"));
      await import("node:fs/promises").then((fs) => fs.mkdir(join(abs, ".."), { recursive: true }));
      await writeFile(abs, b);
      sources.set(p, abs);
    }
    const manifest = JSON.parse(manifestOf(files).toString()) as BundleManifest;
    const out = join(work, "bundle.tar");
    await writeBundle({ out, manifest, sources });
    const dest = join(work, "dest");
    const r = await extractBundle({ bundle: out, dir: dest });
    expect(r.files.map((f) => f.path).sort()).toEqual(Object.keys(files).sort());
    for (const [p, b] of Object.entries(files)) expect(await readFile(join(dest, ...p.split("/")))).toEqual(b);
    expect((await readdir(dest)).filter((n) => n.startsWith(".llamagate-unpack"))).toEqual([]);
  });

  /** Source files under work/src and the manifest that lists them (sha256 is not checked by the writer). */
  async function sourcesOf(files: Record<string, Buffer>) {
    const sources = new Map<string, string>();
    for (const [p, b] of Object.entries(files)) {
      const abs = join(work, "src", ...p.split("/"));
      await mkdir(join(abs, ".."), { recursive: true });
      await writeFile(abs, b);
      sources.set(p, abs);
    }
    return { sources, manifest: JSON.parse(manifestOf(files).toString()) as BundleManifest };
  }

  it("writes the manifest then the files in manifest order as plain ustar members (0644, 0/0, mtime 0), block-padded, two zero blocks at the end", async () => {
    const files: Record<string, Buffer> = {
      "z.gguf": randomBytes(1536),
      "a/tokenizer.json": randomBytes(700),
      "empty.txt": Buffer.alloc(0),
    };
    const { sources, manifest } = await sourcesOf(files);
    const out = join(work, "bundle.tar");
    const bytes = await writeBundle({ out, manifest, sources });
    const expected = Buffer.concat([
      member("llamagate-bundle.json", Buffer.from(JSON.stringify(manifest, null, 2))),
      ...Object.entries(files).map(([p, b]) => member(p, b)),
      END,
    ]);
    const written = await readFile(out);
    expect(bytes).toBe(expected.length);
    expect(written.equals(expected)).toBe(true);
  });

  it("GNU tar reads a written bundle (a long pax name included) and lists every member with the portable metadata", async () => {
    const long = "d/".repeat(60) + "weights.safetensors";
    const files: Record<string, Buffer> = { [long]: randomBytes(3 * 2 ** 20 + 5), "config.json": randomBytes(10) };
    const { sources, manifest } = await sourcesOf(files);
    const out = join(work, "bundle.tar");
    await writeBundle({ out, manifest, sources });
    const run = promisify(execFile);
    const { stdout } = await run("tar", ["--numeric-owner", "--utc", "-tvf", out], {
      env: { ...process.env, LC_ALL: "C" },
    });
    const rows = stdout
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/));
    expect(rows.map((r) => r[5])).toEqual(["llamagate-bundle.json", long, "config.json"]);
    for (const r of rows)
      expect(r.slice(0, 1).concat(r.slice(1, 2), r.slice(3, 5))).toEqual(["-rw-r--r--", "0/0", "1970-01-01", "00:00"]);
    expect(rows.slice(1).map((r) => Number(r[2]))).toEqual([3 * 2 ** 20 + 5, 10]);
    const x = join(work, "x");
    await mkdir(x);
    await run("tar", ["-xf", out, "-C", x]);
    expect((await readFile(join(x, ...long.split("/")))).equals(files[long]!)).toBe(true);
  });

  it("a source that is not the size the manifest says fails naming that file (FILE_CHANGED) and leaves nothing behind", async () => {
    for (const [name, actual] of [
      ["shrunk", 1000],
      ["grown", 3000],
    ] as const) {
      const { sources, manifest } = await sourcesOf({ "w.bin": randomBytes(2000) });
      await writeFile(sources.get("w.bin")!, randomBytes(actual));
      const out = join(work, `${name}.tar`);
      const e = await writeBundle({ out, manifest, sources }).catch((err: unknown) => err);
      expect(e, name).toMatchObject({ code: "FILE_CHANGED", category: "integrity" });
      expect((e as Error).message).toContain(`${sources.get("w.bin")!} changed size while being packed (2000 bytes`);
      expect((e as Error).message).toContain(actual > 2000 ? "more now" : `${actual} now`);
      expect((await readdir(work)).filter((n) => n.includes(name))).toEqual([]);
    }
  });

  it("an abort while a file streams stops with InterruptedError and leaves no file behind", async () => {
    const { sources, manifest } = await sourcesOf({ "big.bin": randomBytes(4 * 2 ** 20) });
    const ac = new AbortController();
    const out = join(work, "aborted.tar");
    const seen: number[] = [];
    const e = await writeBundle({
      out,
      manifest,
      sources,
      signal: ac.signal,
      onProgress: (b) => {
        seen.push(b);
        if (b > 2 ** 20) ac.abort();
      },
    }).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: "INTERRUPTED" });
    expect(seen.at(-1)).toBeLessThan(4 * 2 ** 20);
    expect((await readdir(work)).filter((n) => n.includes("aborted"))).toEqual([]);
  });

  const hostile: [string, () => Buffer, RegExp][] = [
    [
      "path traversal",
      () => Buffer.concat([member("llamagate-bundle.json", manifestOf({ a: A })), member("../evil", A), END]),
      /'\.\.'/,
    ],
    [
      "absolute path",
      () => Buffer.concat([member("llamagate-bundle.json", manifestOf({ a: A })), member("/tmp/evil", A), END]),
      /absolute/,
    ],
    [
      "symlink escape",
      () =>
        Buffer.concat([
          member("llamagate-bundle.json", manifestOf({ a: A })),
          member("a", Buffer.alloc(0), { type: "SymbolicLink", linkpath: "../../etc/passwd" }),
          END,
        ]),
      /symlink pointing outside/,
    ],
    [
      "hardlink",
      () =>
        Buffer.concat([
          member("llamagate-bundle.json", manifestOf({ a: A })),
          member("a", Buffer.alloc(0), { type: "Link", linkpath: "/etc/passwd" }),
          END,
        ]),
      /hard link pointing outside/,
    ],
    [
      "device file",
      () =>
        Buffer.concat([
          member("llamagate-bundle.json", manifestOf({ a: A })),
          member("a", Buffer.alloc(0), { type: "CharacterDevice" }),
          END,
        ]),
      /CharacterDevice/,
    ],
    [
      "duplicate entry",
      () => Buffer.concat([member("llamagate-bundle.json", manifestOf({ a: A })), member("a", A), member("a", A), END]),
      /twice/,
    ],
    [
      "corrupted member",
      () =>
        Buffer.concat([
          member("llamagate-bundle.json", manifestOf({ a: A })),
          member("a", Buffer.from(A.toString().replace("a", "b"))),
          END,
        ]),
      /member a is corrupted/,
    ],
    [
      "unlisted member",
      () => Buffer.concat([member("llamagate-bundle.json", manifestOf({ a: A })), member("a", A), member("b", A), END]),
      /not listed/,
    ],
    [
      "missing member",
      () => Buffer.concat([member("llamagate-bundle.json", manifestOf({ a: A, c: A })), member("a", A), END]),
      /missing/,
    ],
    ["no manifest first", () => Buffer.concat([member("a", A), END]), /first member/],
    [
      "truncated archive",
      () => Buffer.concat([member("llamagate-bundle.json", manifestOf({ a: A })), member("a", A)]).subarray(0, 1800),
      /truncated|ends inside|not a readable/,
    ],
  ];
  it.each(hostile)("refuses a bundle with a %s and writes nothing", async (_name, make, message) => {
    const { result, left } = await unpackRaw(make());
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.e).toMatchObject({ category: "integrity" });
      expect(String(result.e.message)).toMatch(message);
    }
    expect(left).toEqual([]);
  });
});
