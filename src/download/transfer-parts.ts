import { transferStream, type StreamTransferParams, type StreamTransferResult } from "./transfer-stream.js";

/**
 * Several parallel HTTP Range parts for one large file. First cut: falls back to a single stream.
 */
export async function transferParts(p: StreamTransferParams & { parts: number; partMinBytes: number }): Promise<StreamTransferResult> {
  return transferStream(p);
}
