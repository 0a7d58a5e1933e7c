import { MetaChecklistError } from "./errors.js";

export interface MetaChecklistEntry {
  /** Lower-case md5 hex. */
  md5: string;
  /** Path relative to the checklist's folder, "/"-separated, validated to stay inside it. */
  path: string;
}

export interface ParseMetaChecklistParams {
  /** The checklist's bytes as text (md5sum format: `<md5>  <path>` or `<md5> *<path>`). */
  text: string;
  /** Name to show in errors, e.g. "llama-2-7b/checklist.chk". */
  name: string;
}

const LINE = /^([0-9a-fA-F]{32}) [ *](.+)$/;

/**
 * Parse a Meta checklist.chk. Untrusted input: every path must be relative and stay inside the checklist's
 * folder (no "..", no absolute or drive paths), else MetaChecklistError. An HTML page is reported as such.
 */
export function parseMetaChecklist({ text, name }: ParseMetaChecklistParams): MetaChecklistEntry[] {
  if (/^\s*<(!doctype|html|\?xml)/i.test(text)) {
    throw new MetaChecklistError(`${name} is an HTML/XML page, not a checksum list.`);
  }
  const entries: MetaChecklistEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = LINE.exec(line);
    if (!m) throw new MetaChecklistError(`${name} line ${i + 1} is not an md5sum line.`);
    const path = m[2]!.replace(/^(\.\/)+/, "");
    const parts = path.split("/");
    if (path.startsWith("/") || /^[A-Za-z]:/.test(path) || parts.some((p) => p === ".." || p === "" || p === ".") || /[\\\0]/.test(path)) {
      throw new MetaChecklistError(`${name} line ${i + 1} names a path outside its folder; refusing to use it.`, {
        details: { checklist: name, line: i + 1 },
      });
    }
    entries.push({ md5: m[1]!.toLowerCase(), path });
  });
  if (entries.length === 0) throw new MetaChecklistError(`${name} contains no md5 lines.`);
  return entries;
}
