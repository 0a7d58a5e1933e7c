import { MalformedTokenError } from "./errors.js";

/** Reject strings that cannot be a user token before sending them anywhere (mirrors huggingface_hub's login checks). */
export function checkTokenShape(token: string): string {
  const t = token.trim();
  if (!t) throw new MalformedTokenError("it is empty");
  if (/\s/.test(t)) throw new MalformedTokenError("it contains whitespace");
  if (t.startsWith("api_org"))
    throw new MalformedTokenError("organisation API tokens cannot log in; use your personal token");
  if (t.length > 1024) throw new MalformedTokenError("it is too long");
  return t;
}
