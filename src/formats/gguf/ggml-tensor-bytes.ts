import { UnsupportedFormatError } from "../errors.js";
import { GGML_TYPES } from "./gguf-types.js";

/** Byte size of a ggml tensor; ne[0] must be a whole number of blocks. */
export function ggmlTensorBytes(ggmlType: string, ne: readonly number[], name: string): number {
  const info = GGML_TYPES.find((t) => t.name === ggmlType);
  if (!info) throw new UnsupportedFormatError(`ggml type ${ggmlType} is not supported (tensor ${name}).`);
  if (ne.length > 0 && ne[0]! % info.blockElems !== 0) {
    throw new UnsupportedFormatError(
      `Tensor ${name}: ${ggmlType} needs the row length (${ne[0]}) to be a multiple of ${info.blockElems}.`,
      {
        hint: "Use f16, bf16 or f32 for this model.",
      },
    );
  }
  const numel = ne.reduce((a, b) => a * b, 1);
  return (numel / info.blockElems) * info.blockBytes;
}
