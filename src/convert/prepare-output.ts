import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, isAbsolute } from "node:path";
import { FilesystemError, UsageError } from "../core/errors.js";

export interface PreparedOutput {
  /** Where to write: a fresh temp folder (kind "dir") or a temp file path (kind "file") beside the output. */
  tempPath: string;
  /** Move the finished temp output onto the final path (replacing an old one when forced). */
  commit(): Promise<void>;
  /** Delete the temp output (safe after a failure and twice). */
  abort(): Promise<void>;
}

export interface PrepareOutputParams {
  /** Final output path. */
  out: string;
  kind: "dir" | "file";
  /** Replace an existing output. */
  force: boolean;
  /** The input folder: the output may not be it or contain it. */
  input: string;
}

const fsError = (what: string, path: string, e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code ?? "error";
  return new FilesystemError("OUTPUT_NOT_WRITABLE", `Cannot ${what} ${path} (${code}).`, {
    hint: code === "ENOSPC" ? "Free some disk space or choose another --out." : "Choose a writable --out location.",
    cause: e,
  });
};

/**
 * Reserve a temp location beside `out` so nothing appears under the final name until the whole
 * conversion succeeded. An existing output is refused unless `force`; the input is never replaced.
 */
export async function prepareOutput(params: PrepareOutputParams): Promise<PreparedOutput> {
  const out = resolve(params.out);
  const input = resolve(params.input);
  const rel = relative(out, input);
  if (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel))) {
    throw new UsageError(`The output ${out} would replace the input folder.`, { hint: "Choose another --out.", code: "OUTPUT_IS_INPUT" });
  }
  const existing = await lstat(out).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw fsError("inspect", out, e);
  });
  if (existing && !params.force) {
    throw new UsageError(`${out} already exists.`, { hint: "Pass --force to replace it, or choose another --out.", code: "OUTPUT_EXISTS" });
  }
  if (existing) {
    // --force replaces an earlier output, never an unrelated folder or a file of the other kind.
    if (existing.isDirectory() !== (params.kind === "dir")) {
      throw new UsageError(`${out} exists and is a ${existing.isDirectory() ? "folder" : "file"}; this conversion writes a ${params.kind === "dir" ? "folder" : "file"}.`, {
        hint: "Choose another --out.",
        code: "OUTPUT_KIND",
      });
    }
    if (existing.isDirectory()) {
      const entries = await readdir(out).catch(() => [] as string[]);
      if (entries.length > 0 && !entries.includes("config.json")) {
        throw new UsageError(`${out} is a folder that does not look like a model snapshot (no config.json); --force only replaces earlier outputs.`, {
          hint: "Remove it yourself or choose another --out.",
          code: "OUTPUT_NOT_SNAPSHOT",
        });
      }
    }
  }
  const parent = dirname(out);
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw fsError("create the folder", parent, e);
  }
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const tempPath = join(parent, `.${basename(out)}.partial-${tag}`);
  try {
    if (params.kind === "dir") await mkdir(tempPath);
    else await rm(tempPath, { force: true });
  } catch (e) {
    throw fsError("write to", parent, e);
  }
  const abort = async () => {
    await rm(tempPath, { recursive: true, force: true });
  };
  return {
    tempPath,
    abort,
    async commit() {
      let old: string | undefined;
      try {
        if (await lstat(out).then(() => true, () => false)) {
          if (!params.force) throw new UsageError(`${out} appeared while converting.`, { hint: "Pass --force to replace it.", code: "OUTPUT_EXISTS" });
          old = join(parent, `.${basename(out)}.old-${tag}`);
          await rename(out, old);
        }
        await rename(tempPath, out);
      } catch (e) {
        if (old) await rename(old, out).catch(() => undefined);
        if (e instanceof UsageError) throw e;
        throw fsError("move the result to", out, e);
      }
      if (old) await rm(old, { recursive: true, force: true });
    },
  };
}
