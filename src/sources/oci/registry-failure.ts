import type { LlamagateError } from "../../core/errors.js";
import { redactText } from "../../core/redact.js";
import type { RegistryResponse, RegistrySession } from "./create-registry-session.js";
import { RegistryAuthError, RegistryNotFoundError, RegistryProtocolError } from "./errors.js";
import { MAX_METADATA_BYTES } from "./media-types.js";

/**
 * Turn an unexpected registry answer into an error: 401/403 → access, 404 → not found, anything else
 * → protocol error, each naming the step and the registry's own error code and message (credentials
 * redacted in every form, cut to 200 characters). A body over the size cap was cut by the session: the
 * message says so.
 */
export function registryFailure(r: RegistryResponse, step: string, session: RegistrySession): LlamagateError {
  let detail = "";
  try {
    const j = JSON.parse(r.body.subarray(0, 64 << 10).toString("utf8")) as {
      errors?: { code?: unknown; message?: unknown }[];
    };
    const e = j.errors?.[0];
    if (e)
      detail = `${typeof e.code === "string" ? e.code : ""}${typeof e.message === "string" ? `: ${e.message}` : ""}`;
  } catch {
    // not JSON (or cut): the status says enough
  }
  detail = redactText(detail, session.secrets())
    .replace(/[\u0000-\u001f\u007f]/g, " ")
    .slice(0, 200);
  const cut = r.truncated
    ? ` (its ${r.status} answer was larger than ${MAX_METADATA_BYTES >> 20} MiB: cut there, not read)`
    : "";
  const msg = `${step} on ${session.registry}/${session.repository} failed: HTTP ${r.status}${detail ? ` (${detail})` : ""}${cut}.`;
  if (r.status === 401 || r.status === 403) return new RegistryAuthError(session.registry, msg);
  if (r.status === 404) return new RegistryNotFoundError(msg);
  return new RegistryProtocolError(msg, { details: { status: r.status } });
}
