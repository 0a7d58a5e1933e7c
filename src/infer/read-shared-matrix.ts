import type { WeightDType } from "./mat-mul-job.js";
import type { ReferenceWeights } from "./reference-weights.js";

/** A weight matrix in memory the reference's worker threads share. */
export interface SharedMatrix {
  rows: number;
  cols: number;
  dtype: WeightDType;
  /** rows×cols elements in `dtype`, a view of a SharedArrayBuffer. */
  bytes: Uint8Array;
}

/**
 * Read one matrix for the streamed reference: in its stored encoding where the weights offer it (getRaw), else
 * widened to f32, checked against the expected shape, and placed in a SharedArrayBuffer (copied only when it is
 * not in one already). Undefined when the tensor is absent.
 */
export async function readSharedMatrix(params: {
  weights: ReferenceWeights;
  name: string;
  rows: number;
  cols: number;
  signal?: AbortSignal;
}): Promise<SharedMatrix | undefined> {
  const { weights: W, name, rows, cols, signal } = params;
  signal?.throwIfAborted();
  const raw = W.getRaw
    ? await W.getRaw(name)
    : await W.get(name).then((t) =>
        t
          ? {
              shape: t.shape,
              dtype: "F32" as const,
              bytes: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
            }
          : undefined,
      );
  if (!raw) return undefined;
  if (raw.shape.length !== 2 || raw.shape[0] !== rows || raw.shape[1] !== cols)
    throw new RangeError(`tensor ${name}: shape [${raw.shape.join(", ")}], expected [${rows}, ${cols}]`);
  const elementBytes = raw.dtype === "F32" ? 4 : 2;
  if (raw.bytes.byteLength !== rows * cols * elementBytes) throw new RangeError(`tensor ${name} has the wrong size`);
  let bytes = raw.bytes;
  if (!(bytes.buffer instanceof SharedArrayBuffer)) {
    bytes = new Uint8Array(new SharedArrayBuffer(raw.bytes.byteLength));
    bytes.set(raw.bytes);
  }
  return { rows, cols, dtype: raw.dtype, bytes };
}
