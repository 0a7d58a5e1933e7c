import type { LicenseFamilyId } from "./types.js";

// The agreement's own title, as the first lines of Meta's LICENSE files state it:
// "LLAMA 2 COMMUNITY LICENSE AGREEMENT", "META LLAMA 3 COMMUNITY LICENSE AGREEMENT",
// "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT", ..., "Llama 4 Community License Agreement".
const TITLE = /\b(?:meta\s+)?llama\s+(2|3(?:\.[123])?|4)\s+community\s+license\s+agreement\b/i;

/**
 * The Llama license family a LICENSE text is, from the agreement's title in its first 4 KiB; undefined for any
 * other text (Apache-2.0, MIT, an unknown agreement). Titles are read, not hashes: llamagate has no byte-exact copy
 * of every text Meta shipped, and whitespace differs between copies.
 */
export function identifyLicenseText(text: string): LicenseFamilyId | undefined {
  const m = TITLE.exec(text.slice(0, 4096));
  if (!m) return undefined;
  return m[1] === "2" ? "llama2" : m[1] === "4" ? "llama4" : (`llama${m[1]}` as LicenseFamilyId);
}
