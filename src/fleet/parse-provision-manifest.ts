import { resolve } from "node:path";
import type { ErrorObject } from "ajv";
import { findModel } from "../catalog/find-model.js";
import { LlamagateError, UsageError } from "../core/errors.js";
import { redactText } from "../core/redact.js";
import { parseMau } from "../license/parse-mau.js";
import { parseRegion } from "../license/parse-region.js";
import { parseOciReference } from "../sources/oci/parse-oci-reference.js";
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
  /** meta, hf: sign the verified download with the private key (PEM) in this environment variable. */
  sign?: { privateKeyEnv: string };
  /** oci: whom the model's attached signature must come from (paths of PEM files). */
  signature?: { publicKey?: string; certificateChain?: string[] };
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
export async function parseProvisionManifest(params: {
  /** The file's text. */
  text: string;
  /** File name for messages. */
  name: string;
}): Promise<ProvisionManifest> {
  if (params.text.length > MAX_MANIFEST_CHARS)
    throw new UsageError(`${params.name} is larger than 1 MiB; refusing to parse it (a manifest is a few KiB).`, {
      code: "MANIFEST_TOO_LARGE",
      hint: "Check that the path names the manifest (docs/provision.md), not a model or data file.",
    });
  // The YAML parser and the schema validator load only when a manifest is read (start-up of other commands).
  const [{ parse: parseYaml }, { Ajv }] = await Promise.all([import("yaml"), import("ajv")]);
  let data: unknown;
  try {
    data = parseYaml(params.text, { prettyErrors: false });
  } catch (e) {
    // The parser's own words and where (never the line's text: a misplaced signed URL must not be echoed).
    const at = (e as { pos?: number[] }).pos?.[0];
    const where = typeof at === "number" ? lineColumn(params.text, at) : undefined;
    const why = redactText(
      String((e as Error)?.message ?? "")
        .split("\n")[0]!
        .replace(/ at line \d+, column \d+.*$/, ""),
    );
    throw new UsageError(
      `${params.name}${where ? ` line ${where.line}, column ${where.column}` : ""}: not valid YAML or JSON${why ? `: ${why}` : ""}.`,
      {
        code: "BAD_MANIFEST",
        hint: "Fix the manifest at that place (YAML indents with spaces, not tabs; see docs/provision.md).",
        ...(where ? { details: where } : {}),
      },
    );
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
  checkFieldValues(manifest, params.name);
  checkSharedDirs(manifest, params.name);
  return manifest;
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split("\n").length;
  return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}

/**
 * Values the schema cannot check, checked with the same parsers as the flags and reported with their field path:
 * the license numbers and region, and each model's name (a catalog model for meta, a catalog name or org/repo for
 * hf, a registry reference for oci).
 */
function checkFieldValues(manifest: ProvisionManifest, name: string): void {
  const at = (path: string, check: () => unknown) => {
    try {
      check();
    } catch (e) {
      if (!(e instanceof LlamagateError)) throw e;
      throw new UsageError(`${name}: ${path}: ${redactText(e.message)}`, {
        code: "BAD_MANIFEST",
        ...(e.hint ? { hint: e.hint } : {}),
        details: { field: path, code: e.code },
      });
    }
  };
  const lic = manifest.license ?? {};
  if (lic.mau !== undefined) at("license.mau", () => parseMau({ value: lic.mau, field: "license.mau" }));
  if (lic.affiliatesMau !== undefined)
    at("license.affiliatesMau", () => parseMau({ value: lic.affiliatesMau, field: "license.affiliatesMau" }));
  if (lic.region !== undefined) at("license.region", () => parseRegion({ value: lic.region, field: "license.region" }));
  for (const [i, m] of manifest.models.entries()) {
    const path = `models[${i}].name`;
    if (m.source === "meta" || (m.source === "hf" && !m.name.includes("/")))
      at(path, () => findModel({ name: m.name }));
    else if (m.source === "oci") at(path, () => parseOciReference(m.name));
    if (m.signature && m.source !== "oci")
      at(`models[${i}].signature`, () => {
        throw new UsageError(
          "is for oci models (a registry signature referrer); verify other sources with llamagate verify --signature.",
        );
      });
  }
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
      if (path.endsWith("privateKeyEnv"))
        return `${path}: must be the NAME of an environment variable (e.g. LLAMAGATE_SIGN_KEY), not the key itself.`;
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
