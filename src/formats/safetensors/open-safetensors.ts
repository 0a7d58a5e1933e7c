import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FilesystemError } from "../../core/errors.js";
import { CorruptFileError, UnsupportedFormatError } from "../errors.js";
import { MAX_LARGE_JSON_BYTES, readCappedText } from "../io/read-capped-text.js";
import type { LazyTensor, TensorSource } from "../tensor.js";
import { openSafetensorsFile, type SafetensorsFile } from "./open-safetensors-file.js";

export const INDEX_FILE = "model.safetensors.index.json";

/** A set of safetensors files seen as one tensor source. */
export interface SafetensorsSource extends TensorSource {
  /** `__metadata__` of the first file. */
  metadata: Record<string, string>;
  /** The files opened, in order. */
  files: string[];
}

/**
 * Open a single .safetensors file, a `model.safetensors.index.json`, or a directory (its index if
 * present, else its one or more *.safetensors files). Every file is validated; shards named in an
 * index must stay inside the index's directory and hold the tensors the weight_map promises.
 */
export async function openSafetensors(params: {
  /** A .safetensors file, an index JSON, or a directory. */
  path: string;
  signal?: AbortSignal;
}): Promise<SafetensorsSource> {
  const { path, signal } = params;
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw new FilesystemError(
      "READ_FAILED",
      `Cannot read ${basename(path)}: ${(e as NodeJS.ErrnoException).code ?? "error"}.`,
      { cause: e },
    );
  }
  if (info.isDirectory()) {
    const names = await readdir(path);
    if (names.includes(INDEX_FILE)) return openIndex(join(path, INDEX_FILE), signal);
    const files = names.filter((n) => n.endsWith(".safetensors")).sort();
    if (files.length === 0) throw new UnsupportedFormatError(`No .safetensors files in ${basename(path)}.`);
    return combine(
      await openAll(
        files.map((f) => join(path, f)),
        signal,
      ),
      undefined,
    );
  }
  if (path.endsWith(".json")) return openIndex(path, signal);
  return combine(await openAll([path], signal), undefined);
}

async function openAll(paths: string[], signal?: AbortSignal): Promise<SafetensorsFile[]> {
  const out: SafetensorsFile[] = [];
  try {
    for (const p of paths) out.push(await openSafetensorsFile({ path: p, signal }));
    return out;
  } catch (e) {
    await Promise.all(out.map((f) => f.close()));
    throw e;
  }
}

async function openIndex(indexPath: string, signal?: AbortSignal): Promise<SafetensorsSource> {
  const what = basename(indexPath);
  let json: unknown;
  try {
    json = JSON.parse(await readCappedText({ path: indexPath, maxBytes: MAX_LARGE_JSON_BYTES, what }));
  } catch (e) {
    if (e instanceof CorruptFileError) throw e;
    if ((e as NodeJS.ErrnoException).code)
      throw new FilesystemError("READ_FAILED", `Cannot read ${what}.`, { cause: e });
    throw new CorruptFileError(`${what} is not valid JSON.`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (map === null || typeof map !== "object" || Array.isArray(map))
    throw new CorruptFileError(`${what} has no weight_map object.`);
  const wanted = new Map<string, string>();
  for (const [name, file] of Object.entries(map)) {
    if (typeof file !== "string" || !/^[^/\\]+\.safetensors$/.test(file) || file.startsWith(".")) {
      throw new CorruptFileError(`${what}: weight_map entry ${name} names an unsafe or invalid file.`);
    }
    wanted.set(name, file);
  }
  const files = [...new Set(wanted.values())].sort();
  const opened = await openAll(
    files.map((f) => join(dirname(indexPath), f)),
    signal,
  );
  return combine(opened, wanted);
}

async function combine(files: SafetensorsFile[], wanted: Map<string, string> | undefined): Promise<SafetensorsSource> {
  const index = new Map<string, LazyTensor>();
  const order: LazyTensor[] = [];
  const closeAll = () => Promise.all(files.map((f) => f.close())).then(() => undefined);
  for (const f of files) {
    for (const t of f.tensors) {
      if (wanted && wanted.get(t.name) !== basename(f.path)) continue;
      if (index.has(t.name)) {
        await closeAll();
        throw new CorruptFileError(`Tensor ${t.name} appears in more than one safetensors file.`);
      }
      index.set(t.name, t);
      order.push(t);
    }
  }
  if (wanted) {
    for (const [name, file] of wanted) {
      if (!index.has(name)) {
        await closeAll();
        throw new CorruptFileError(`${file} does not contain ${name}, which the index says it holds.`);
      }
    }
  }
  return {
    tensors: order,
    get: (name) => index.get(name),
    close: closeAll,
    metadata: files[0]?.metadata ?? {},
    files: files.map((f) => f.path),
  };
}
