import { lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, relative, resolve, isAbsolute } from "node:path";
import { UsageError } from "../core/errors.js";
import { filesystemErrorFrom, type FsErrorContext } from "../core/fs/filesystem-error-from.js";
import { acquireDirLock, type DirLock } from "../core/fs/acquire-dir-lock.js";
import { ensureDirInside } from "../core/fs/ensure-dir-inside.js";
import { openRegularFile } from "../core/fs/open-regular-file.js";
import { tempPathFor } from "../core/fs/temp-path-for.js";

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
  /** Replace an existing output (only an earlier output: a GGUF file, or a model folder). */
  force: boolean;
  /** The input folder: the output may not be it or contain it, and replaces nothing inside it but earlier outputs. */
  input: string;
}

/** Hints of fs errors here name --out; a failed conversion leaves nothing under the final name. */
const OUT: FsErrorContext = {
  flag: "--out",
  kept: "nothing was written under the final name",
  fallbackCode: "OUTPUT_NOT_WRITABLE",
};
const fsError = (what: string, path: string, e: unknown) => filesystemErrorFrom(e, path, what, OUT);

/** Magic of the only single-file output convert writes (GGUF). */
const GGUF_MAGIC = "GGUF";

/**
 * Reserve a temp location beside `out` so nothing appears under the final name until the whole
 * conversion succeeded. An existing output is refused unless `force`, and even then only an earlier
 * output is replaced (a file must start with the GGUF magic, a folder must hold config.json): a source
 * shard, a tokenizer or any other file is never overwritten, whatever --out says.
 */
export async function prepareOutput(params: PrepareOutputParams): Promise<PreparedOutput> {
  const out = resolve(params.out);
  const input = resolve(params.input);
  const rel = relative(out, input);
  if (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel))) {
    throw new UsageError(`The output ${out} would replace the input folder.`, {
      hint: "Choose another --out.",
      code: "OUTPUT_IS_INPUT",
    });
  }
  const inInput = (() => {
    const r = relative(input, out);
    return r !== "" && !r.startsWith("..") && !isAbsolute(r);
  })();
  if (inInput && params.kind === "dir") {
    throw new UsageError(`The output folder ${out} is inside the input folder ${input}.`, {
      hint: "Choose an --out outside the input folder.",
      code: "OUTPUT_INSIDE_INPUT",
    });
  }
  const parent = dirname(out);
  // Made one folder at a time (a folder under /proc fails at once instead of looping).
  await ensureDirInside({ root: parent, dir: parent, errorContext: OUT });
  // One run per output: a second convert of the same output stops here at once, before any work.
  const lock = await acquireDirLock({ dir: parent, name: `.${basename(out)}.llamagate.lock` });
  try {
    return await prepareLocked(params, out, parent, inInput, lock);
  } catch (e) {
    await lock.release();
    throw e;
  }
}

async function prepareLocked(
  params: PrepareOutputParams,
  out: string,
  parent: string,
  inInput: boolean,
  lock: DirLock,
): Promise<PreparedOutput> {
  const existing = await lstat(out).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw fsError("inspect", out, e);
  });
  if (existing && !params.force) {
    throw new UsageError(`${out} already exists.`, {
      hint: "Pass --force to replace it, or choose another --out.",
      code: "OUTPUT_EXISTS",
    });
  }
  if (existing) {
    // --force replaces an earlier output, never an unrelated folder or a file of the other kind.
    if (existing.isDirectory() !== (params.kind === "dir")) {
      throw new UsageError(
        `${out} exists and is a ${existing.isDirectory() ? "folder" : "file"}; this conversion writes a ${params.kind === "dir" ? "folder" : "file"}.`,
        {
          hint: "Choose another --out.",
          code: "OUTPUT_KIND",
        },
      );
    }
    if (existing.isDirectory()) {
      const entries = await readdir(out).catch(() => [] as string[]);
      if (entries.length > 0 && !entries.includes("config.json")) {
        throw new UsageError(
          `${out} is a folder that does not look like a model snapshot (no config.json); --force only replaces earlier outputs.`,
          {
            hint: "Remove it yourself or choose another --out.",
            code: "OUTPUT_NOT_SNAPSHOT",
          },
        );
      }
    } else if (!(await startsWithGgufMagic(out))) {
      throw new UsageError(
        `${out} is not a GGUF file written by an earlier conversion; --force only replaces earlier outputs.`,
        {
          hint: inInput ? "Choose an --out outside the input folder." : "Remove it yourself or choose another --out.",
          code: "OUTPUT_NOT_EARLIER_OUTPUT",
        },
      );
    }
  }
  const tempPath = tempPathFor(out, "partial");
  try {
    if (params.kind === "dir") await mkdir(tempPath);
  } catch (e) {
    throw fsError("write to", parent, e);
  }
  const abort = async () => {
    await rm(tempPath, { recursive: true, force: true });
    await lock.release();
  };
  return {
    tempPath,
    abort,
    async commit() {
      let old: string | undefined;
      try {
        if (
          await lstat(out).then(
            () => true,
            () => false,
          )
        ) {
          if (!params.force)
            throw new UsageError(`${out} appeared while converting.`, {
              hint: "Pass --force to replace it.",
              code: "OUTPUT_EXISTS",
            });
          old = tempPathFor(out, "old");
          await rename(out, old);
        }
        await rename(tempPath, out);
      } catch (e) {
        if (old) await rename(old, out).catch(() => undefined);
        if (e instanceof UsageError) throw e;
        throw fsError("move the result to", out, e);
      }
      if (old) await rm(old, { recursive: true, force: true });
      await lock.release();
    },
  };
}

/** Whether `path` is a regular file (not a link) that starts with the GGUF magic. */
async function startsWithGgufMagic(path: string): Promise<boolean> {
  try {
    const fh = await openRegularFile({ path, mode: "read", anyOwner: true });
    try {
      const b = Buffer.alloc(4);
      const { bytesRead } = await fh.read(b, 0, 4, 0);
      return bytesRead === 4 && b.toString("latin1") === GGUF_MAGIC;
    } finally {
      await fh.close();
    }
  } catch {
    return false;
  }
}
