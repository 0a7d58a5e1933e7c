const HTML_START = /^(?:\ufeff)?\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<title[\s>])/i;

/**
 * Whether the first bytes of a body look like an HTML page (a wrong link, a login or quota page)
 * rather than the file we asked for. Files whose own name ends in .html/.htm are never flagged.
 */
export function looksLikeHtml(firstBytes: Uint8Array, name: string): boolean {
  if (/\.html?$/i.test(name)) return false;
  const head = Buffer.from(firstBytes.buffer, firstBytes.byteOffset, Math.min(firstBytes.length, 512)).toString("utf8");
  return HTML_START.test(head);
}
