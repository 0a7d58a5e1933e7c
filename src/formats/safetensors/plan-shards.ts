/** A planned output shard: its file name and the tensors it holds, in order. */
export interface ShardPlan {
  fileName: string;
  tensors: string[];
  /** Sum of the tensors' byte lengths. */
  bytes: number;
}

/**
 * Split tensors, in the given order, into shards of at most `maxShardBytes` (a tensor larger than
 * the limit gets a shard of its own), named as transformers names them: `model.safetensors` when
 * one shard suffices (no index needed), else `model-00001-of-0000N.safetensors`.
 */
export function planShards(params: {
  /** Tensor names and byte lengths, in write order. */
  tensors: readonly { name: string; byteLength: number }[];
  /** Upper bound per shard (transformers' default is 5 GB = 5e9). */
  maxShardBytes: number;
  /** File name prefix (default "model"). */
  prefix?: string;
}): { shards: ShardPlan[]; weightMap: Record<string, string>; totalSize: number; needsIndex: boolean } {
  const { tensors, maxShardBytes, prefix = "model" } = params;
  const groups: { tensors: string[]; bytes: number }[] = [];
  let current: { tensors: string[]; bytes: number } | undefined;
  let totalSize = 0;
  for (const t of tensors) {
    if (!current || (current.tensors.length > 0 && current.bytes + t.byteLength > maxShardBytes)) {
      current = { tensors: [], bytes: 0 };
      groups.push(current);
    }
    current.tensors.push(t.name);
    current.bytes += t.byteLength;
    totalSize += t.byteLength;
  }
  const n = Math.max(groups.length, 1);
  const pad = (i: number) => String(i).padStart(5, "0");
  const shards = groups.map((g, i) => ({
    fileName: n === 1 ? `${prefix}.safetensors` : `${prefix}-${pad(i + 1)}-of-${pad(n)}.safetensors`,
    tensors: g.tensors,
    bytes: g.bytes,
  }));
  const weightMap: Record<string, string> = {};
  for (const s of shards) for (const t of s.tensors) weightMap[t] = s.fileName;
  return { shards, weightMap, totalSize, needsIndex: shards.length > 1 };
}
