import { MetaUrlInvalidError } from "./errors.js";

/** What llamagate reads from a CloudFront custom policy. */
export interface CloudFrontPolicy {
  /** `Condition.DateLessThan["AWS:EpochTime"]`: the link stops working at this instant. */
  expiresAt: Date;
  /** `Resource`, e.g. "https://download.llamameta.net/*" (undefined when absent). */
  resource: string | undefined;
}

/**
 * Decode the `Policy` query value of a CloudFront signed URL. CloudFront's URL-safe base64 replaces
 * `+` with `-`, `=` with `_` and `/` with `~`; the payload is JSON with one Statement.
 * Throws MetaUrlInvalidError: a policy that does not decode means the URL was mangled when copied.
 */
export function decodeCloudFrontPolicy(policy: string): CloudFrontPolicy {
  // URLSearchParams turns a literal "+" into a space; CloudFront never emits either, but undo it anyway.
  const b64 = policy.trim().replace(/ /g, "+").replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/");
  if (b64.length === 0 || !/^[A-Za-z0-9+/=]+$/.test(b64)) throw bad("is not CloudFront base64");
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
  } catch {
    throw bad("does not decode to JSON");
  }
  const statement = (doc as { Statement?: unknown })?.Statement;
  const first = Array.isArray(statement) ? (statement[0] as Record<string, unknown> | undefined) : undefined;
  const condition = first?.Condition as { DateLessThan?: Record<string, unknown> } | undefined;
  const epoch = condition?.DateLessThan?.["AWS:EpochTime"];
  const seconds = typeof epoch === "string" && /^\d+$/.test(epoch) ? Number(epoch) : epoch;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) throw bad("has no DateLessThan expiry");
  const resource = typeof first?.Resource === "string" ? first.Resource : undefined;
  return { expiresAt: new Date(seconds * 1000), resource };
}

function bad(what: string): MetaUrlInvalidError {
  return new MetaUrlInvalidError(
    `The signed URL's Policy parameter ${what}: the URL was probably cut off or changed when copied.`,
  );
}
