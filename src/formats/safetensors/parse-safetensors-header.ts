import { CorruptFileError, UnsupportedFormatError } from "../errors.js";
import type { DType } from "../tensor.js";
import { SAFETENSORS_DTYPE_SIZES, SUPPORTED_DTYPES } from "./safetensors-dtypes.js";
import type { ErrorCode } from "../../core/error-codes.js";

export const MAX_HEADER_BYTES = 100_000_000;
/**
 * Most ':' and ',' bytes a header may hold: every JSON member and array item but the first needs
 * one, so this bounds the values JSON.parse builds (its cost grows with them: 1.6M keys take ~30 s
 * and 1.4 GB). A tensor entry needs about 9, so this allows some 50,000 tensors per file; Llama
 * files hold a few hundred.
 */
export const MAX_HEADER_SEPARATORS = 500_000;

export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte range relative to the start of the data buffer. */
  begin: number;
  end: number;
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Validate a safetensors header the way the reference `Metadata::validate` does: known dtypes,
 * shape·size == byte length, offsets that tile the buffer exactly (no gap, overlap or trailing
 * byte), and a string-to-string `__metadata__`.
 */
export function parseSafetensorsHeader(params: {
  /** The N header bytes (after the u64 length). */
  header: Uint8Array;
  /** Total file length, to check that the buffer is exactly covered. */
  fileSize: number;
  /** Name for messages. */
  what: string;
}): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  const { header, fileSize, what } = params;
  const corrupt = (msg: string, code: ErrorCode = "CORRUPT_SAFETENSORS") =>
    new CorruptFileError(`${what}: ${msg}`, { code });
  let separators = 0;
  for (let i = 0; i < header.length; i++) {
    const b = header[i];
    if ((b === 0x3a || b === 0x2c) && ++separators > MAX_HEADER_SEPARATORS) {
      throw corrupt(
        `header holds more than ${MAX_HEADER_SEPARATORS} JSON values; no model needs that many (not read).`,
        "HEADER_TOO_LARGE",
      );
    }
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(header);
  } catch {
    throw corrupt("header is not valid UTF-8.");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt("header is not valid JSON.");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw corrupt("header is not a JSON object.");
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw))
        throw corrupt("__metadata__ is not an object.");
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== "string") throw corrupt(`__metadata__.${k} is not a string.`);
        metadata[k] = v;
      }
      continue;
    }
    if (raw === null || typeof raw !== "object") throw corrupt(`entry ${name} is not an object.`);
    const { dtype, shape, data_offsets: offs } = raw as Record<string, unknown>;
    if (typeof dtype !== "string" || !Object.hasOwn(SAFETENSORS_DTYPE_SIZES, dtype)) {
      throw new UnsupportedFormatError(`${what}: tensor ${name} has unknown dtype ${String(dtype)}.`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) throw corrupt(`tensor ${name} has an invalid shape.`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isCount))
      throw corrupt(`tensor ${name} has invalid data_offsets.`);
    const [begin, end] = offs as [number, number];
    let bytes = SAFETENSORS_DTYPE_SIZES[dtype]!;
    for (const n of shape as number[]) {
      bytes *= n;
      if (!Number.isSafeInteger(bytes)) throw corrupt(`tensor ${name} is too large (size overflows).`);
    }
    if (end < begin) throw corrupt(`tensor ${name} has data_offsets that end before they begin.`, "INVALID_OFFSET");
    if (end - begin !== bytes) {
      throw corrupt(
        `tensor ${name} spans ${end - begin} bytes but its dtype and shape need ${bytes}.`,
        "TENSOR_INVALID_INFO",
      );
    }
    if (!SUPPORTED_DTYPES.has(dtype))
      throw new UnsupportedFormatError(`${what}: tensor ${name} uses ${dtype}, which is not supported.`);
    entries.push({ name, dtype: dtype as DType, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of sorted) {
    if (e.begin !== expected) {
      throw corrupt(
        `tensor ${e.name} starts at ${e.begin}, expected ${expected} (overlapping or gapped data_offsets).`,
        "INVALID_OFFSET",
      );
    }
    expected = e.end;
  }
  if (8 + header.length + expected !== fileSize) {
    throw corrupt(
      `the tensors cover ${expected} bytes but the data buffer holds ${fileSize - 8 - header.length}.`,
      "INCOMPLETE_BUFFER",
    );
  }
  return { entries, metadata };
}
