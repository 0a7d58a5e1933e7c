import { resolve } from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../core/errors.js";
import { PROVISION_SCHEMA } from "./provision-schema.js";

/** One model of a provision manifest (docs/provision.md). */
export interface ProvisionModelSpec {
  name: string;
  source: "meta" | "hf" | "oci";
  metaUrlEnv?: string;
  revision?: string;
  include?: string[];
  exclude?: string[];
  dir?: string;
  convert?: string[];
  smokeTest?: boolean;
  plainHttp?: boolean;
}

export interface ProvisionManifest {
  license?: {
    mau?: number | string;
    affiliatesMau?: number | string;
    region?: string;
    uses?: string[];
    endUser?: boolean;
    acceptLicense?: boolean;
    profile?: string;
    override?: string;
  };
  concurrency?: number;
  models: ProvisionModelSpec[];
}

/** Manifests longer than this are refused before parsing. */
const MAX_MANIFEST_CHARS = 1 << 20;

/**
 * Parse a provision manifest (YAML or JSON: YAML is a superset) and validate it against the schema.
 * The first problem is reported as a UsageError naming the field's path (`models[1].metaUrlEnv: ...`);
 * values are never echoed (a misplaced signed URL must not reach a terminal or a CI log).
 */
export function parseProvisionManifest(params: {
  /** The file's text. */
  text: string;
  /** File name for messages. */
  name: string;
}): ProvisionManifest {
  if (params.text.length > MAX_MANIFEST_CHARS)
    throw new UsageError(`${params.name} is larger than 1 MiB; refusing to parse it (a manifest is a few KiB).`, {
      code: "MANIFEST_TOO_LARGE",
      hint: "Check that the path names the manifest (docs/provision.md), not a model or data file.",
    });
  let data: unknown;
  try {
    data = parseYaml(params.text, { prettyErrors: false });
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new UsageError(`${params.name}${line ? ` line ${line}` : ""} is not valid YAML or JSON.`, {
      code: "BAD_MANIFEST",
    });
  }
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  const validate = ajv.compile(PROVISION_SCHEMA);
  if (!validate(data)) {
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== "if");
    const first = pickError(errors);
    throw new UsageError(`${params.name}: ${describe(first)}`, {
      code: "BAD_MANIFEST",
      hint: "See docs/provision.md for the fields (JSON Schema: docs/provision.schema.json).",
      details: { errors: errors.map((e) => describe(e)) },
    });
  }
  const manifest = data as ProvisionManifest;
  checkSharedDirs(manifest, params.name);
  return manifest;
}

/**
 * An OCI artifact owns its folder (its files, its config cache, its lock): two models where one is OCI cannot
 * share a `dir`. Refused up front, naming both models, instead of failing half-way through the run.
 */
function checkSharedDirs(manifest: ProvisionManifest, name: string): void {
  const byDir = new Map<string, number>();
  for (const [i, m] of manifest.models.entries()) {
    if (!m.dir) continue;
    const key = resolve(m.dir);
    const j = byDir.get(key);
    if (j !== undefined && (m.source === "oci" || manifest.models[j]!.source === "oci")) {
      throw new UsageError(
        `${name}: models[${i}].dir: ${m.name} and models[${j}] (${manifest.models[j]!.name}) share the folder ${m.dir}; an OCI model needs a folder of its own.`,
        { code: "BAD_MANIFEST", hint: "Give each OCI model its own dir in the manifest." },
      );
    }
    if (j === undefined) byDir.set(key, i);
  }
}

/** Prefer the most specific error: unknown fields and missing fields before type noise of oneOf/if branches. */
function pickError(errors: ErrorObject[]): ErrorObject {
  const rank = (e: ErrorObject) =>
    e.keyword === "additionalProperties" ? 0 : e.keyword === "required" ? 1 : e.keyword === "pattern" ? 2 : 3;
  return [...errors].sort((a, b) => rank(a) - rank(b))[0]!;
}

function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split("/").filter(Boolean);
  if (extra) parts.push(extra);
  let out = "";
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || "(top level)";
}

function describe(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      const path = fieldPath(e.instancePath, field);
      if (/url/i.test(field))
        return `${path}: unknown field; a signed URL never goes in the manifest: put it in an environment variable and name it in metaUrlEnv.`;
      return `${path}: unknown field.`;
    }
    case "required":
      return `${fieldPath(e.instancePath, String(params.missingProperty))}: required field is missing.`;
    case "pattern": {
      const path = fieldPath(e.instancePath);
      if (path.endsWith("metaUrlEnv"))
        return `${path}: must be the NAME of an environment variable (e.g. LLAMA_URL), not the URL itself.`;
      if (path.includes("convert")) return `${path}: must be "hf", "gguf" or "gguf:<f32|f16|bf16|q8_0>".`;
      return `${path}: has the wrong form.`;
    }
    case "enum":
      return `${fieldPath(e.instancePath)}: must be one of ${(params.allowedValues as unknown[]).join(", ")}.`;
    case "type":
      return `${fieldPath(e.instancePath)}: must be ${String(params.type).replace(",", " or ")}.`;
    default:
      return `${fieldPath(e.instancePath)}: ${e.message ?? "is invalid"}.`;
  }
}
