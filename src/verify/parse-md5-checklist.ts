import { ChecklistError } from "./errors.js";

/** One line of an md5sum-format checklist. */
export interface ChecklistEntry {
  /** Lower-case md5 hex. */
  md5: string;
  /** Path relative to the checklist's folder, "/"-separated, checked to stay inside it. */
  path: string;
  /** Whether the line used md5sum's binary marker (`<md5> *<path>`); it changes nothing on POSIX. */
  binary: boolean;
  /** 1-based line number. */
  line: number;
}

const LINE = /^\\?([0-9a-fA-F]{32}) ([ *])(.+)$/;

/**
 * Parse an md5sum checklist (`md5sum -c` format, as in Meta's checklist.chk): `<md5>  <path>` (text)
 * or `<md5> *<path>` (binary), optional `./` prefixes, blank lines and `#` comments, CRLF endings.
 * Untrusted input: absolute paths, drive letters, backslashes, NULs and `..` segments are refused
 * (ChecklistError CHECKLIST_UNSAFE_PATH, category integrity) so nothing outside the folder is read.
 */
export function parseMd5Checklist(params: {
  /** The checklist's text. */
  text: string;
  /** Name for error messages (e.g. "llama-2-7b/checklist.chk"). */
  name: string;
}): ChecklistEntry[] {
  const { text, name } = params;
  if (/^\ufeff?\s*<(!doctype|html|\?xml)/i.test(text)) {
    throw new ChecklistError("CHECKLIST_HTML", `${name} is an HTML/XML page, not an md5 checklist.`);
  }
  const entries: ChecklistEntry[] = [];
  const body = text.replace(/^\ufeff/, "");
  // Line by line with indexOf: no array of every line (a checklist of millions of empty lines stays cheap).
  let lineNo = 0;
  for (let at = 0; at <= body.length;) {
    let nl = body.indexOf("\n", at);
    if (nl < 0) nl = body.length;
    const raw = body.slice(at, nl).replace(/\r$/, "");
    at = nl + 1;
    const i = lineNo++;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    const m = LINE.exec(raw);
    if (!m)
      throw new ChecklistError(
        "CHECKLIST_MALFORMED",
        `${name} line ${i + 1} is not an md5sum line ("<md5>  <path>").`,
        { details: { checklist: name, line: i + 1 } },
      );
    const path = m[3]!.replace(/^(?:\.\/)+/, "");
    const parts = path.split("/");
    if (
      path === "" ||
      path.startsWith("/") ||
      /^[A-Za-z]:/.test(path) ||
      /[\\\0]/.test(path) ||
      parts.some((p) => p === ".." || p === "." || p === "")
    ) {
      throw new ChecklistError(
        "CHECKLIST_UNSAFE_PATH",
        `${name} line ${i + 1} names a path outside its folder; refusing to use the checklist.`,
        {
          details: { checklist: name, line: i + 1 },
        },
      );
    }
    entries.push({ md5: m[1]!.toLowerCase(), path, binary: m[2] === "*", line: i + 1 });
  }
  if (entries.length === 0) throw new ChecklistError("CHECKLIST_EMPTY", `${name} contains no md5 lines.`);
  return entries;
}
