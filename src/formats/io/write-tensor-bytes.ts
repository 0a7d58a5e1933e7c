import { LlamagateError } from "../../core/errors.js";
import type { TensorBytes } from "../tensor.js";
import type { AtomicFileWriter } from "./atomic-file-writer.js";

/**
 * Append one tensor's bytes (whole or streamed) to a writer, checking that exactly `size` bytes
 * came. Writers call this for each tensor in file order.
 */
export async function writeTensorBytes(params: {
  /** The output file. */
  out: AtomicFileWriter;
  /** Tensor name (for messages). */
  name: string;
  /** Bytes the header promised. */
  size: number;
  /** Where the bytes come from. */
  tensor: TensorBytes;
}): Promise<void> {
  const { out, name, size, tensor } = params;
  const mismatch = (got: string) =>
    new LlamagateError("TENSOR_SIZE_MISMATCH", "conversion", `Tensor ${name} produced ${got} bytes, expected ${size}.`);
  if (tensor.produce) {
    let got = 0;
    await tensor.produce((chunk) => {
      got += chunk.byteLength;
      // never write past the tensor's slot: the next tensor's offset is fixed in the header
      if (got > size) return Promise.reject(mismatch(`more than ${size}`));
      return out.write(chunk);
    });
    if (got !== size) throw mismatch(String(got));
    return;
  }
  if (!tensor.data) throw new LlamagateError("NO_TENSOR_DATA", "internal", `Tensor ${name} has no data.`);
  const data = await tensor.data();
  if (data.byteLength !== size) throw mismatch(String(data.byteLength));
  await out.write(data);
}
