import type { LicenseFamilyId } from "../catalog/models.js";
import { LICENSE_FAMILIES } from "./families.js";

const TITLE = /\b(?:meta\s+)?llama\s+(\d(?:\.\d)?)\s+community\s+license\s+agreement\b/i;

/**
 * Which Llama license a LICENSE text is, by its title ("LLAMA 2 COMMUNITY LICENSE AGREEMENT", "META LLAMA 3
 * COMMUNITY LICENSE AGREEMENT", "Llama 3.1 Community License Agreement", ...) in its first 4 KiB: the text
 * recognition that complements checkLicenseFile's byte-exact comparison (which needs known hashes).
 * Undefined when it is none of them.
 */
export function recognizeLicenseText(text: string): LicenseFamilyId | undefined {
  const m = TITLE.exec(text.slice(0, 4096));
  if (!m) return undefined;
  const id = `llama${m[1]}`;
  return Object.hasOwn(LICENSE_FAMILIES, id) ? (id as LicenseFamilyId) : undefined;
}
