import type { FileHandle } from "node:fs/promises";
import { openForReading } from "../io/open-for-reading.js";
import { basename } from "node:path";
import { LlamagateError } from "../../core/errors.js";
import { CorruptFileError, UnsupportedFormatError } from "../errors.js";
import { readExact } from "../io/read-exact.js";
import { readExactInto } from "../io/read-exact-into.js";
import { DTYPE_BYTES, type LazyTensor, type TensorSource } from "../tensor.js";
import { entryDataOffset } from "./entry-data-offset.js";
import { gatherStrided } from "./gather-strided.js";
import { PyDict, PyGlobal, PyTuple, StorageRef, TensorRef, type PyValue } from "./pickle-values.js";
import { readZipDirectory, type ZipEntry } from "./read-zip-directory.js";
import { STORAGE_DTYPES } from "./torch-globals.js";
import { unpickle } from "./unpickle.js";
import { tensorExtent } from "./tensor-extent.js";

const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

/**
 * Open a PyTorch zip checkpoint (`torch.save`, e.g. Meta's consolidated.NN.pth) without Python:
 * the zip directory and data.pkl are parsed and validated up front, tensor bytes are read lazily
 * with positioned reads. Forbidden pickle globals raise UnsafeCheckpointError; nothing runs.
 */
export async function openPth(params: {
  /** Path of the .pth file. */
  path: string;
  /** Cancels the up-front parsing. */
  signal?: AbortSignal;
}): Promise<TensorSource> {
  const { path, signal } = params;
  const what = basename(path);
  const handle = await openForReading(path, what);
  try {
    return await parse(handle, what, signal);
  } catch (e) {
    await handle.close();
    throw e;
  }
}

async function parse(handle: FileHandle, what: string, signal?: AbortSignal): Promise<TensorSource> {
  const fileSize = (await handle.stat()).size;
  const magic = fileSize >= 4 ? await readExact(handle, 0, 4, what, signal) : new Uint8Array(0);
  if (magic[0] !== 0x50 || magic[1] !== 0x4b || magic[2] !== 0x03 || magic[3] !== 0x04) {
    throw new UnsupportedFormatError(`${what} is not a PyTorch zip checkpoint (legacy or unknown format).`, {
      hint: "Only checkpoints written by torch.save (version 1.6 or later) are supported.",
    });
  }
  const entries = await readZipDirectory({ handle, fileSize, what, signal });
  const byName = new Map(entries.map((e) => [e.name, e]));
  if (byName.size !== entries.length)
    throw new CorruptFileError(`${what}: the zip archive lists the same file twice.`, { code: "CORRUPT_ZIP" });
  const root = findRoot(entries, what);
  const storedEntry = async (name: string, label: string): Promise<{ entry: ZipEntry; offset: number }> => {
    const entry = byName.get(`${root}/${name}`);
    if (!entry) throw new CorruptFileError(`${what}: the checkpoint has no ${label} (${root}/${name}).`);
    if (entry.method !== 0 || entry.compressedSize !== entry.size) {
      throw new UnsupportedFormatError(
        `${what}: ${root}/${name} is compressed (zip method ${entry.method}); torch writes it stored.`,
        {
          hint: "Re-save the checkpoint with torch.save, or unzip and re-zip it without compression (zip -0).",
        },
      );
    }
    return { entry, offset: await entryDataOffset({ handle, fileSize, entry, what, signal }) };
  };

  const order = byName.get(`${root}/byteorder`);
  if (order) {
    const { entry, offset } = await storedEntry("byteorder", "byte order record");
    const text = new TextDecoder().decode(await readExact(handle, offset, Math.min(entry.size, 16), what, signal));
    if (text.trim() !== "little")
      throw new UnsupportedFormatError(`${what}: big-endian checkpoints are not supported.`);
  }

  const pkl = await storedEntry("data.pkl", "data.pkl");
  if (pkl.entry.size > MAX_PICKLE_BYTES)
    throw new CorruptFileError(`${what}: data.pkl is implausibly large (${pkl.entry.size} bytes).`);
  const pickleBytes = await readExact(handle, pkl.offset, pkl.entry.size, what, signal);

  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: PyValue): PyValue => {
    if (!(pid instanceof PyTuple) || pid.items[0] !== "storage" || pid.items.length < 5) {
      throw new CorruptFileError(`${what}: unexpected persistent id in data.pkl.`);
    }
    const [, type, key, , numelV] = pid.items;
    if (!(type instanceof PyGlobal) || type.module !== "torch" || !Object.hasOwn(STORAGE_DTYPES, type.name)) {
      throw new CorruptFileError(`${what}: persistent id without a storage type.`);
    }
    if (typeof key !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(key))
      throw new CorruptFileError(`${what}: bad storage key.`);
    const numel = typeof numelV === "bigint" ? Number(numelV) : numelV;
    if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) {
      throw new CorruptFileError(`${what}: storage ${key} has an invalid element count.`);
    }
    const dtype = STORAGE_DTYPES[type.name]!;
    const seen = storages.get(key);
    if (seen) {
      if (seen.dtype !== dtype || seen.numel !== numel)
        throw new CorruptFileError(`${what}: storage ${key} is declared twice, differently.`);
      return seen;
    }
    const ref = new StorageRef(key, dtype, numel);
    storages.set(key, ref);
    return ref;
  };
  let top = unpickle({ bytes: pickleBytes, what, persistentLoad });
  if (top instanceof PyDict && top.map.get("model") instanceof PyDict) top = top.map.get("model")!;
  if (!(top instanceof PyDict)) throw new UnsupportedFormatError(`${what}: the checkpoint is not a dict of tensors.`);

  // locate and size-check every storage against its zip entry
  const storageOffsets = new Map<string, number>();
  for (const s of storages.values()) {
    const { entry, offset } = await storedEntry(`data/${s.key}`, `storage ${s.key}`);
    const expected = s.numel * DTYPE_BYTES[s.dtype];
    if (entry.size !== expected) {
      throw new CorruptFileError(
        `${what}: storage ${s.key} holds ${entry.size} bytes but the pickle declares ${expected}.`,
      );
    }
    storageOffsets.set(s.key, offset);
  }

  let closed = false;
  const tensors: LazyTensor[] = [];
  for (const [key, value] of top.map) {
    if (!(value instanceof TensorRef)) continue;
    if (typeof key !== "string") throw new CorruptFileError(`${what}: a tensor name is not a string.`);
    const { storage, storageOffset, shape, stride } = value;
    const item = DTYPE_BYTES[storage.dtype];
    const { numel, span, contiguous, overlapping } = tensorExtent({ shape, stride, storageOffset });
    if (overlapping || numel > storage.numel) {
      // a stride-0 or overlapping view would be written out as far more bytes than the file stores
      throw new CorruptFileError(
        `${what}: tensor ${key} (shape [${shape.join(", ")}], stride [${stride.join(", ")}]) reads storage elements more than once (${numel} elements over a storage of ${storage.numel}); state dicts never hold such views.`,
        { code: "OVERLAPPING_VIEW" },
      );
    }
    if (numel > 0 && storageOffset + span > storage.numel) {
      throw new CorruptFileError(
        `${what}: tensor ${key} (offset ${storageOffset}, shape [${shape.join(", ")}]) reaches past its storage of ${storage.numel} elements.`,
      );
    }
    const base = storageOffsets.get(storage.key)! + storageOffset * item;
    // contiguous tensors can be read in pieces into reused buffers (no per-tensor allocation)
    const readRange = async (dest: Uint8Array, offset: number, sig?: AbortSignal): Promise<void> => {
      if (closed) throw new LlamagateError("SOURCE_CLOSED", "internal", `${what} was closed before ${key} was read.`);
      if (!(Number.isSafeInteger(offset) && offset >= 0 && offset + dest.byteLength <= numel * item)) {
        throw new RangeError(
          `bytes ${offset}+${dest.byteLength} are outside tensor ${String(key)} (${numel * item} bytes)`,
        );
      }
      await readExactInto(handle, base + offset, dest, what, sig);
    };
    tensors.push({
      name: key,
      dtype: storage.dtype,
      shape,
      byteLength: numel * item,
      async read(sig?: AbortSignal) {
        if (closed) throw new LlamagateError("SOURCE_CLOSED", "internal", `${what} was closed before ${key} was read.`);
        if (numel === 0) return new Uint8Array(0);
        if (contiguous) return readExact(handle, base, numel * item, what, sig);
        return gatherStrided(await readExact(handle, base, span * item, what, sig), shape, stride, item);
      },
      ...(contiguous ? { readInto: readRange } : {}),
    });
  }
  const index = new Map(tensors.map((t) => [t.name, t]));
  return {
    tensors,
    get: (name) => index.get(name),
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

function findRoot(entries: readonly ZipEntry[], what: string): string {
  const roots = entries
    .filter((e) => /^[^/]+\/data\.pkl$/.test(e.name))
    .map((e) => e.name.slice(0, -"/data.pkl".length));
  if (roots.length === 0) throw new CorruptFileError(`${what}: no */data.pkl in the archive; not a torch checkpoint.`);
  // torch itself takes the first entry's folder
  const first = entries[0]!.name.split("/")[0]!;
  return roots.includes(first) ? first : roots[0]!;
}
