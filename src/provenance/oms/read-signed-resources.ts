import { SignatureError } from "../errors.js";
import { OMS_PREDICATE_TYPE, OMS_V01_PREDICATE_TYPE, type OmsResource } from "./oms-types.js";

/**
 * The files a model signature lists (name and sha256), read from its statement WITHOUT checking the signature:
 * for comparing a signature with the files about to be pushed or packed, never for trusting it
 * (verifyModelSignature does that). Throws SIGNATURE_MALFORMED for anything that is not an OMS bundle.
 */
export function readSignedResources(bundleBytes: Buffer, what: string): OmsResource[] {
  const malformed = (why: string) =>
    new SignatureError("SIGNATURE_MALFORMED", `${what} is not a model signature: ${why}.`, {
      hint: "Point --signature at the model.sig that `llamagate sign` or `model_signing sign` wrote.",
    });
  let statement: {
    subject?: { name?: unknown; digest?: { sha256?: unknown } }[];
    predicateType?: unknown;
    predicate?: { resources?: { name?: unknown; digest?: unknown }[] };
  };
  try {
    const bundle = JSON.parse(bundleBytes.toString("utf8")) as { dsseEnvelope?: { payload?: unknown } };
    if (typeof bundle?.dsseEnvelope?.payload !== "string") throw malformed("it has no DSSE envelope");
    statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
  } catch (e) {
    if (e instanceof SignatureError) throw e;
    throw malformed("it is not JSON");
  }
  const list =
    statement?.predicateType === OMS_PREDICATE_TYPE
      ? (statement.predicate?.resources ?? []).map((r) => ({ name: r?.name, digest: r?.digest }))
      : statement?.predicateType === OMS_V01_PREDICATE_TYPE
        ? (statement.subject ?? []).map((s) => ({ name: s?.name, digest: s?.digest?.sha256 }))
        : undefined;
  if (!list) throw malformed(`its predicate is ${String(statement?.predicateType)}`);
  return list.map((r) => {
    if (typeof r.name !== "string" || typeof r.digest !== "string" || !/^[0-9a-f]{64}$/.test(r.digest))
      throw malformed("a file has no name or sha256 digest");
    return { name: r.name, algorithm: "sha256", digest: r.digest };
  });
}
