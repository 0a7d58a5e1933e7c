import { openAtomicFileWriter } from "../io/atomic-file-writer.js";

/**
 * Write `model.safetensors.index.json` as transformers does:
 * `{"metadata": {"total_size": N}, "weight_map": {name: file}}` with names sorted. Atomic.
 */
export async function writeSafetensorsIndex(params: {
  /** Path of the index file to write. */
  path: string;
  /** Tensor name -> shard file name. */
  weightMap: Record<string, string>;
  /** Sum of all tensors' byte lengths. */
  totalSize: number;
  signal?: AbortSignal;
}): Promise<void> {
  const { path, weightMap, totalSize, signal } = params;
  const sorted = Object.fromEntries(
    Object.keys(weightMap)
      .sort()
      .map((k) => [k, weightMap[k]!]),
  );
  const text = `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: sorted }, null, 2)}\n`;
  const out = await openAtomicFileWriter({ path, signal });
  try {
    await out.write(new TextEncoder().encode(text));
    await out.commit();
  } catch (e) {
    await out.abort();
    throw e;
  }
}
