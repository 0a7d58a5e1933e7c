import { LlamagateError, type LlamagateErrorOptions } from "../core/errors.js";

/** A checklist file is malformed or names a path outside its folder. */
export class ChecklistError extends LlamagateError {
  constructor(
    code:
      "CHECKLIST_MALFORMED" | "CHECKLIST_UNSAFE_PATH" | "CHECKLIST_HTML" | "CHECKLIST_EMPTY" | "CHECKLIST_TOO_LARGE",
    message: string,
    options: LlamagateErrorOptions = {},
  ) {
    super(code, "integrity", message, {
      hint:
        code === "CHECKLIST_UNSAFE_PATH"
          ? "The checklist is not trustworthy; download it again from the original source."
          : "The checklist is damaged or is not an md5sum list; download it again (llamagate download fetches it first).",
      ...options,
    });
  }
}
