import type { LlamagateError } from "../../core/errors.js";
import { redactText } from "../../core/redact.js";
import type { RegistryResponse, RegistrySession } from "./create-registry-session.js";
import { RegistryAuthError, RegistryNotFoundError, RegistryProtocolError } from "./errors.js";

/**
 * Turn an unexpected registry answer into an error: 401/403 → access, 404 → not found, anything else
 * → protocol error, each naming the step and the registry's own error code and message (redacted,
 * cut to 200 characters). Reads the rest of the body.
 */
export async function registryFailure(
  r: RegistryResponse,
  step: string,
  session: RegistrySession,
): Promise<LlamagateError> {
  let detail = "";
  try {
    const text = (await r.body.text()).slice(0, 4096);
    const j = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    const e = j.errors?.[0];
    if (e)
      detail = `${typeof e.code === "string" ? e.code : ""}${typeof e.message === "string" ? `: ${e.message}` : ""}`;
  } catch {
    // not JSON: the status says enough
  }
  detail = redactText(detail, session.secrets()).slice(0, 200);
  const msg = `${step} on ${session.registry}/${session.repository} failed: HTTP ${r.status}${detail ? ` (${detail})` : ""}.`;
  if (r.status === 401 || r.status === 403) return new RegistryAuthError(session.registry, msg);
  if (r.status === 404) return new RegistryNotFoundError(msg);
  return new RegistryProtocolError(msg, { details: { status: r.status } });
}
