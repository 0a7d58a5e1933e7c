import { basename } from "node:path";
import { randomUUID } from "node:crypto";
import { licenseAuditLogPath } from "../../core/defaults/llamagate-paths.js";
import type { AuditEntry } from "../../license/audit-entry.js";
import { LICENSE_FAMILIES } from "../../license/families.js";
import { readAuditLog } from "../../license/read-audit-log.js";
import { describeModelPath, ggufDtype, type ModelDescription } from "./describe-model-path.js";

export interface BuildModelBomParams {
  /** Model folders (Meta, Hub snapshot, pulled or unpacked copies) and GGUF files. */
  paths: readonly string[];
  /** Where the license acceptances are recorded. @default the CLI's audit log; null: none */
  auditLogPath?: string | null;
  /** The licensee organisation named in each license's `licensing`. */
  organization?: string;
  /** llamagate's version, recorded as the BOM's tool. */
  toolVersion: string;
  signal?: AbortSignal;
}

type Json = Record<string, unknown>;

/**
 * `llamagate bom`: a CycloneDX 1.6 ML-BOM of the given models: one `machine-learning-model` component each, with
 * every file as a nested `file` component (SHA-256, and the MD5 Meta's checklist gave), its license (a
 * `LicenseRef-<family>` with name, version, URL and the shipped LICENSE's sha256, the licensee, and the recorded
 * acceptance as properties), where it came from (Hub repo and commit; never a signed URL or token), a GGUF's
 * lineage to the source model in the same BOM, and the OMS signature when there is one.
 */
export async function buildModelBom(p: BuildModelBomParams): Promise<Json> {
  const logPath = p.auditLogPath === undefined ? licenseAuditLogPath() : p.auditLogPath;
  const log = logPath ? (await readAuditLog({ path: logPath })).entries : [];
  const models: ModelDescription[] = [];
  for (const path of p.paths) models.push(await describeModelPath({ path, signal: p.signal }));
  const refs = new Map(models.map((m, i) => [m, `model-${i + 1}-${m.rootSha256.slice(0, 12)}`]));

  // A GGUF made from a folder in the same BOM: the folder its conversion record names, else (a GGUF converted
  // before llamagate kept records) the folder whose name llamagate's converter wrote as general.name.
  const sourceOf = new Map<ModelDescription, ModelDescription>();
  for (const m of models) {
    if (m.kind !== "gguf") continue;
    const source =
      models.find((s) => s !== m && s.kind !== "gguf" && m.lineage && s.path === m.lineage.source.dir) ??
      models.find((s) => s !== m && s.kind !== "gguf" && (s.name === m.gguf?.name || s.catalog?.name === m.gguf?.name));
    if (source) sourceOf.set(m, source);
  }
  const components = models.map((m) => component(m, refs.get(m)!, log, p.organization));
  const dependencies: Json[] = [...sourceOf].map(([m, source]) => ({
    ref: refs.get(m),
    dependsOn: [refs.get(source)],
  }));
  return {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: new Date().toISOString(),
      tools: { components: [{ type: "application", name: "llamagate", version: p.toolVersion }] },
    },
    components: components.map((c, i) => withLineage(c, models[i]!, sourceOf.get(models[i]!), refs)),
    ...(dependencies.length ? { dependencies } : {}),
  };
}

function component(m: ModelDescription, ref: string, log: readonly AuditEntry[], organization?: string): Json {
  const props: [string, string | undefined][] = [
    ["llamagate:kind", m.kind],
    ["llamagate:path", m.path],
    ["llamagate:sha256-root", m.rootSha256],
    ["llamagate:gguf:dtype", m.kind === "gguf" ? ggufDtype(m.gguf?.fileType) : undefined],
    ...smokeProperties(m),
  ];
  const gguf = m.kind === "gguf";
  return {
    type: "machine-learning-model",
    "bom-ref": ref,
    name: m.catalog?.name ?? m.name,
    ...(m.version ? { version: m.version } : {}),
    ...(m.hubRepo ? { group: m.hubRepo.split("/")[0] } : {}),
    ...(gguf ? { hashes: [{ alg: "SHA-256", content: m.files[0]!.sha256 }] } : {}),
    ...(m.licenseFamily ? { licenses: [license(m, log, organization)] } : {}),
    ...(externalReferences(m).length ? { externalReferences: externalReferences(m) } : {}),
    ...(gguf
      ? {}
      : {
          components: m.files.map((f) => ({
            type: "file",
            "bom-ref": `${ref}:${f.name}`,
            name: f.name,
            hashes: [{ alg: "SHA-256", content: f.sha256 }, ...(f.md5 ? [{ alg: "MD5", content: f.md5 }] : [])],
            properties: [{ name: "llamagate:size", value: String(f.size) }],
          })),
        }),
    properties: props
      .filter((x): x is [string, string] => x[1] !== undefined)
      .map(([name, value]) => ({ name, value })),
  };
}

/** The smoke test that passed on a GGUF (recorded beside it by smoke-test, setup or provision), as properties. */
function smokeProperties(m: ModelDescription): [string, string | undefined][] {
  const t = m.smokeTest;
  if (!t) return [];
  return [
    ["llamagate:smoke-test:result", t.result],
    ["llamagate:smoke-test:time", t.testedAt],
    ["llamagate:smoke-test:backend", t.backend],
    ["llamagate:smoke-test:device", t.device],
    ["llamagate:smoke-test:tokens", String(t.tokens)],
    ["llamagate:smoke-test:tokens-per-second", String(t.tokensPerSecond)],
    ...(t.reference
      ? ([
          ["llamagate:smoke-test:reference:kl-mean", String(t.reference.klMean)],
          ["llamagate:smoke-test:reference:kl-max", String(t.reference.klMax)],
          ["llamagate:smoke-test:reference:top-token-agreement", String(t.reference.topTokenAgreement)],
          ["llamagate:smoke-test:reference:tokens-match", String(t.reference.tokensMatch)],
        ] as [string, string][])
      : []),
  ];
}

function license(m: ModelDescription, log: readonly AuditEntry[], organization?: string): Json {
  const family = LICENSE_FAMILIES[m.licenseFamily!];
  const acceptance = [...log].reverse().find((e) => e.licenseFamily === family.id);
  const props: [string, string | null | undefined][] = [
    ["llamagate:license:family", family.id],
    ["llamagate:license:version", family.version],
    ["llamagate:license:text-sha256", m.licenseFile?.sha256],
    ...(acceptance
      ? ([
          ["llamagate:acceptance:time", acceptance.time],
          ["llamagate:acceptance:user", acceptance.user],
          ["llamagate:acceptance:model", acceptance.model],
          ["llamagate:acceptance:mau", String(acceptance.mau)],
          ["llamagate:acceptance:affiliates-mau", String(acceptance.affiliatesMau)],
          ["llamagate:acceptance:region", acceptance.region],
          ["llamagate:acceptance:end-user", String(acceptance.endUser)],
          ["llamagate:acceptance:uses", acceptance.uses.join(",")],
          ["llamagate:acceptance:verdict", acceptance.verdict],
          ["llamagate:acceptance:via", acceptance.acceptedVia],
          ["llamagate:acceptance:command", acceptance.command],
          ["llamagate:acceptance:override", acceptance.override],
        ] as [string, string | null][])
      : ([["llamagate:acceptance", "none recorded"]] as [string, string][])),
  ];
  return {
    license: {
      "bom-ref": `${m.catalog?.name ?? m.name}:LicenseRef-${family.id}`,
      name: `LicenseRef-${family.id} (${family.name}, version ${family.version})`,
      acknowledgement: "declared",
      // Meta publishes each agreement beside its use policy (…/llama3_1/license next to …/llama3_1/use-policy).
      url: family.aupUrl.replace(/use-policy\/?$/, "license"),
      ...(organization ? { licensing: { licensee: { organization: { name: organization } } } } : {}),
      properties: props
        .filter((x): x is [string, string] => typeof x[1] === "string" && x[1] !== "")
        .map(([name, value]) => ({ name, value })),
    },
  };
}

function externalReferences(m: ModelDescription): Json[] {
  const out: Json[] = [];
  if (m.hubRepo)
    out.push({ type: "distribution", url: `https://huggingface.co/${m.hubRepo}/tree/${m.version ?? "main"}` });
  if (m.signature)
    out.push({
      type: "digital-signature",
      url: `file://${m.signature}`,
      comment: "OpenSSF model signature (OMS v1.0)",
    });
  return out;
}

/**
 * A GGUF's pedigree: the source model it was converted from, when that model is in the same BOM (with its root
 * digest) or the GGUF's conversion record names it; with the record, every input file and its SHA-256 as it was
 * when converted, and the conversion's time and dtype.
 */
function withLineage(
  c: Json,
  m: ModelDescription,
  source: ModelDescription | undefined,
  refs: Map<ModelDescription, string>,
): Json {
  const rec = m.lineage;
  if (!source && !rec) return c;
  const dtype = rec?.dtype ?? ggufDtype(m.gguf?.fileType) ?? "";
  const from = source?.path ?? rec!.source.dir;
  return {
    ...c,
    pedigree: {
      ancestors: [
        {
          type: "machine-learning-model",
          "bom-ref": `${refs.get(m)}:ancestor`,
          name: source ? (source.catalog?.name ?? source.name) : basename(rec!.source.dir),
          ...(source ? { hashes: [{ alg: "SHA-256", content: source.rootSha256 }] } : {}),
          ...(rec
            ? {
                components: rec.source.files.map((f) => ({
                  type: "file",
                  "bom-ref": `${refs.get(m)}:ancestor:${f.path}`,
                  name: f.path,
                  hashes: [{ alg: "SHA-256", content: f.sha256 }],
                  properties: [{ name: "llamagate:size", value: String(f.size) }],
                })),
                properties: [
                  { name: "llamagate:path", value: rec.source.dir },
                  { name: "llamagate:kind", value: rec.source.kind },
                  { name: "llamagate:converted-at", value: rec.convertedAt },
                ],
              }
            : {}),
        },
      ],
      notes: `Converted by llamagate from ${from} to GGUF ${dtype}`.trim(),
    },
  };
}
