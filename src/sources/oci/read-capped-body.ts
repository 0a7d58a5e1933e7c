/**
 * Read a response body into memory, at most `limit` bytes: past the limit the rest is not read (the
 * stream is destroyed) and `truncated` says so, with `seen` counting the bytes received before the cut.
 * The one way the registry client reads a body it keeps (errors, token answers, manifests, configs).
 */
export async function readCappedBody(
  body: AsyncIterable<unknown> & { destroy(error?: Error): unknown },
  limit: number,
): Promise<{ bytes: Buffer; truncated: boolean; seen: number }> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
    if (n + b.length > limit) {
      chunks.push(b.subarray(0, limit - n));
      n += b.length;
      body.destroy();
      return { bytes: Buffer.concat(chunks), truncated: true, seen: n };
    }
    chunks.push(b);
    n += b.length;
  }
  return { bytes: Buffer.concat(chunks), truncated: false, seen: n };
}
