import { openRegularFile } from "./open-regular-file.js";

/**
 * Read a small file without following a link (see openRegularFile), refusing more than `maxBytes`
 * before reading anything: `tooLarge(size)` makes the error thrown then. Errors of open() (ENOENT...)
 * are thrown as they are.
 */
export async function readRegularFile(params: {
  /** The file. */
  path: string;
  /** Most bytes accepted. */
  maxBytes: number;
  /** The error for a larger file (it gets the size seen). */
  tooLarge: (size: number) => Error;
  /** Accept a file of another user (see openRegularFile). @default false */
  anyOwner?: boolean;
}): Promise<Buffer> {
  const fh = await openRegularFile({ path: params.path, mode: "read", anyOwner: params.anyOwner });
  try {
    const { size } = await fh.stat();
    if (size > params.maxBytes) throw params.tooLarge(size);
    // Read up to one byte past the cap: a file that grows meanwhile is refused too.
    const buf = Buffer.alloc(Math.min(size, params.maxBytes) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) {
        if (n > params.maxBytes) throw params.tooLarge(n);
        break;
      }
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close().catch(() => {});
  }
}
