// The design's dependency arrows (../shared/DESIGN.md, "Layout and dependency direction") as an eslint rule:
// cli -> fleet -> pipeline -> {sources, license, download, verify, convert, infer, credentials, provenance} ->
// {model, formats, catalog, core}. Each folder under src/ may import only the folders listed for it; `core` imports
// nothing internal. The CLI is a thin layer over the public API: src/cli imports only src/index.ts (and itself).
import path from "node:path";

const BOTTOM = ["core", "catalog", "formats", "model"];
// The middle layer: what the pipeline composes.
const MIDDLE = [
  "sources",
  "sources/meta",
  "sources/hf",
  "sources/oci",
  "sources/bundle",
  "license",
  "download",
  "verify",
  "convert",
  "infer",
  "credentials",
  "provenance",
];
// Every source implements the one interface of src/sources/model-source.ts (types only).
const SOURCE = [...BOTTOM, "download", "verify", "credentials", "sources"];
const ALLOWED = {
  core: [],
  catalog: ["core"],
  formats: ["core"],
  model: ["core", "formats", "catalog"],
  credentials: ["core"],
  license: ["core", "catalog"],
  verify: BOTTOM,
  // The engine hashes while the bytes arrive, on the verify workers.
  download: [...BOTTOM, "verify"],
  convert: BOTTOM,
  infer: BOTTOM,
  // Signatures hash the model's files on the verify workers.
  provenance: [...BOTTOM, "verify", "license"],
  // The source interface and the registry that loads each source lazily (src/sources/*.ts).
  sources: ["sources/meta", "sources/hf", "sources/oci", "sources/bundle"],
  // A source plans and runs its transfers on the engine; sources never import each other.
  "sources/meta": SOURCE,
  "sources/hf": SOURCE,
  "sources/oci": SOURCE,
  "sources/bundle": SOURCE,
  pipeline: [...BOTTOM, ...MIDDLE],
  // Fleets (provisioning, OCI push/pull orchestration, bundles) run the pipeline; the pipeline never imports them.
  fleet: [...BOTTOM, ...MIDDLE, "pipeline"],
  // The demo serves a release and runs the pipeline on it, as any caller would.
  demo: [...BOTTOM, ...MIDDLE, "pipeline"],
};

/**
 * "sources/hf" for src/sources/hf/x.ts, "sources" for src/sources/model-source.ts, "core" for src/core/fs/y.ts,
 * "." for src/index.ts.
 */
function area(file, srcDir) {
  const rel = path.relative(srcDir, file).split(path.sep);
  if (rel.length === 1) return ".";
  if (rel[0] !== "sources") return rel[0];
  return rel.length === 2 ? "sources" : `sources/${rel[1]}`;
}

export const layersRule = {
  meta: {
    type: "problem",
    docs: { description: "enforce the design's dependency arrows between src/ folders" },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const srcDir = path.resolve(context.cwd, "src");
    if (!file.startsWith(srcDir + path.sep)) return {};
    const from = area(file, srcDir);
    const check = (node, spec) => {
      if (typeof spec !== "string" || !spec.startsWith(".")) return;
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(srcDir + path.sep)) return;
      const to = area(target, srcDir);
      if (to === from) return;
      if (from === "cli") {
        if (target === path.join(srcDir, "index.js") || target === path.join(srcDir, "index.ts")) return;
        context.report({
          node,
          message: `src/cli imports only the public API (src/index.ts), not src/${path.relative(srcDir, target)}`,
        });
        return;
      }
      // The public API (src/index.ts) re-exports the library; it never imports the CLI.
      if (from === "." && to !== "cli") return;
      const allowed = ALLOWED[from];
      if (allowed && allowed.includes(to)) return;
      context.report({
        node,
        message: `src/${from} must not import src/${to} (see the dependency arrows in DESIGN.md)`,
      });
    };
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value),
      ExportAllDeclaration: (n) => check(n.source, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
      ImportExpression: (n) => n.source.type === "Literal" && check(n.source, n.source.value),
    };
  },
};
