import { NotAModelArtifactError } from "./errors.js";

/** What `pull` needs from a ModelPack config (the license gate runs on this before any layer). */
export interface ModelConfigSummary {
  /** descriptor.name. */
  name?: string;
  /** descriptor.family. */
  family?: string;
  /** llamagate's catalog name of the model, when the pusher knew it. */
  catalogName?: string;
  /** llamagate's license family id ("llama2", ...), from `llamagate.licenseFamily` or a `LicenseRef-<id>` license. */
  licenseFamily?: string;
  /** descriptor.licenses as written. */
  licenses: string[];
  /** config.format. */
  format?: string;
  paramSize?: string;
}

/** Read the fields llamagate uses from a model config blob (untrusted JSON; wrong types are ignored). */
export function parseModelConfig(bytes: Buffer, ref: string): ModelConfigSummary {
  let j: {
    descriptor?: Record<string, unknown>;
    config?: Record<string, unknown>;
    llamagate?: Record<string, unknown>;
  };
  try {
    j = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new NotAModelArtifactError(`The model config of ${ref} is not JSON.`);
  }
  if (typeof j !== "object" || j === null)
    throw new NotAModelArtifactError(`The model config of ${ref} is not a JSON object.`);
  const str = (v: unknown) => (typeof v === "string" && v.length > 0 && v.length < 256 ? v : undefined);
  const d = typeof j.descriptor === "object" && j.descriptor !== null ? j.descriptor : {};
  const c = typeof j.config === "object" && j.config !== null ? j.config : {};
  const l = typeof j.llamagate === "object" && j.llamagate !== null ? j.llamagate : {};
  const licenses = Array.isArray(d.licenses)
    ? d.licenses.filter((x): x is string => typeof x === "string").slice(0, 16)
    : [];
  const fromRef = licenses.map((x) => /^LicenseRef-(.+)$/.exec(x)?.[1]).find((x) => x !== undefined);
  return {
    name: str(d.name),
    family: str(d.family),
    catalogName: str(l.model),
    licenseFamily: str(l.licenseFamily) ?? fromRef,
    licenses,
    format: str(c.format),
    paramSize: str(c.paramSize),
  };
}
