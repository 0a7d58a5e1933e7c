/** C0 controls (tab excepted), DEL and C1 controls: what a terminal may act on instead of showing. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
const CONTROL_KEEP_NEWLINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\u001b": "\\e" };

/**
 * Make text safe to print on a terminal: every control character (ESC, CR, BS, newline, C1 such as CSI 0x9b)
 * becomes a visible escape (`\e`, `\r`, `\n`, `\x9b`), so a crafted tensor name, pickle global, file name or
 * server message cannot move the cursor, erase a line or start a fake one. `keepNewlines` keeps "\n" for
 * multi-line text that llamagate itself composed (help, usage errors).
 */
export function escapeControl(text: string, { keepNewlines = false }: { keepNewlines?: boolean } = {}): string {
  return text.replace(keepNewlines ? CONTROL_KEEP_NEWLINES : CONTROL, (c) => {
    return NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}
