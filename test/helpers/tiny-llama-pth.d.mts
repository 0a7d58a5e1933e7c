/** Types of the torch.save-compatible checkpoint writer (plain .mjs so the benchmark script can use it too). */
export interface TorchTensorInput {
  name: string;
  dtype: "F32" | "F16" | "BF16" | "I64" | "I32";
  shape: number[];
  data: Uint8Array | (() => Uint8Array);
}

export function writeTorchCheckpoint(
  path: string,
  tensors: TorchTensorInput[],
  options?: { storageOf?: (name: string) => string; rootName?: string },
): unknown;
