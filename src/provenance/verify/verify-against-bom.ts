import { lstat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { LlamagateError, UsageError } from "../../core/errors.js";
import { checkBundlePath } from "../../formats/tar/bundle-manifest.js";
import { verifyAgainstDigests, type VerifyAgainstDigestsResult } from "./verify-against-digests.js";

export interface VerifyAgainstBomResult extends VerifyAgainstDigestsResult {
  path: string;
  /** The component used: its name, version (null when it has none) and bom-ref. */
  component: { name: string; version: string | null; bomRef: string | null };
}

type Json = Record<string, unknown>;

/**
 * `llamagate verify <path> --bom FILE`: a CycloneDX BOM's hashes as the reference for any copy. The component is the
 * machine-learning-model one made from this path (its `llamagate:path` property), else the one named like the path's
 * folder or file, else the only one; `component` picks it by name or bom-ref. A folder's files are its `file`
 * sub-components (name = path relative to the folder, SHA-256 hash): each is ok, changed or missing, and files the
 * BOM does not list are added (bookkeeping and model.sig aside, as in the BOM itself). A single file (a GGUF) is
 * checked against the component's own SHA-256. A BOM that is not CycloneDX JSON, or with no such component, is a
 * usage error (exit 2) naming the components it has.
 */
export async function verifyAgainstBom(p: {
  /** The folder or file to verify. */
  path: string;
  /** The BOM's JSON text. */
  bomJson: string;
  /** For messages. */
  bomPath: string;
  /** The component to use (its name or bom-ref), when the BOM describes several models. */
  component?: string;
  signal?: AbortSignal;
}): Promise<VerifyAgainstBomResult> {
  const path = resolve(p.path);
  const bad = (why: string) =>
    new UsageError(`${p.bomPath} is not a usable BOM: ${why}.`, {
      code: "BOM_UNREADABLE",
      hint: "Pass a CycloneDX JSON BOM with file hashes (llamagate bom PATH -o bom.json writes one).",
    });
  let bom: Json;
  try {
    bom = JSON.parse(p.bomJson) as Json;
  } catch {
    throw bad("it is not JSON");
  }
  if (typeof bom !== "object" || bom === null || bom.bomFormat !== "CycloneDX") throw bad("it is not CycloneDX");
  const models = (Array.isArray(bom.components) ? (bom.components as Json[]) : []).filter(
    (c) => c && typeof c === "object" && c.type === "machine-learning-model" && typeof c.name === "string",
  );
  const prop = (c: Json, name: string) =>
    (Array.isArray(c.properties) ? (c.properties as Json[]) : []).find((x) => x?.name === name)?.value;
  const wanted = p.component;
  const chosen = wanted
    ? models.filter((c) => c.name === wanted || c["bom-ref"] === wanted)
    : [
        models.filter((c) => prop(c, "llamagate:path") === path),
        models.filter((c) => c.name === basename(path)),
        models.length === 1 ? models : [],
      ].find((l) => l.length === 1);
  if (!chosen || chosen.length !== 1)
    throw new UsageError(
      `${p.bomPath} has ${wanted ? `no single model component named ${wanted}` : `no model component for ${path}`}; its model components: ${models.map((c) => String(c.name)).join(", ") || "none"}.`,
      {
        code: "BOM_COMPONENT_NOT_FOUND",
        hint: "Pass --bom-component NAME (a component's name or bom-ref).",
      },
    );
  const c = chosen[0]!;
  const sha256Of = (x: Json) =>
    (Array.isArray(x.hashes) ? (x.hashes as Json[]) : []).find(
      (h) => h?.alg === "SHA-256" && typeof h.content === "string" && /^[0-9a-fA-F]{64}$/.test(h.content),
    )?.content as string | undefined;
  const component = {
    name: String(c.name),
    version: typeof c.version === "string" ? c.version : null,
    bomRef: typeof c["bom-ref"] === "string" ? c["bom-ref"] : null,
  };
  const st = await lstat(path).catch(() => undefined);
  if (!st)
    throw new LlamagateError("INPUT_NOT_FOUND", "not-found", `${path} does not exist.`, {
      hint: "Pass the folder or file the BOM describes.",
    });
  let r: VerifyAgainstDigestsResult;
  const files = (Array.isArray(c.components) ? (c.components as Json[]) : []).filter((f) => f?.type === "file");
  if (st.isFile()) {
    // A GGUF component carries its hash itself; another single file is the component's one file.
    const one = files.length === 1 ? files[0]! : undefined;
    const sha256 = sha256Of(c) ?? (one ? sha256Of(one) : undefined);
    if (!sha256) throw bad(`component ${component.name} has no SHA-256 hash of a single file`);
    r = await verifyAgainstDigests({
      dir: dirname(path),
      expected: [{ name: basename(path), sha256: sha256.toLowerCase() }],
      extras: false,
      signal: p.signal,
    });
  } else {
    if (!files.length) throw bad(`component ${component.name} lists no files`);
    const expected = files.map((f) => {
      const sha256 = sha256Of(f);
      if (typeof f.name !== "string" || checkBundlePath(f.name) || !sha256)
        throw bad(`component ${component.name} has a file with an unsafe name or no SHA-256 hash`);
      return { name: f.name, sha256: sha256.toLowerCase() };
    });
    r = await verifyAgainstDigests({
      dir: path,
      expected,
      extras: true,
      ignorePaths: expected.some((e) => e.name === "model.sig") ? [] : [resolve(path, "model.sig")],
      // A Hub cache snapshot's files are links into the repo's blobs/.
      ...(basename(dirname(path)) === "snapshots" && basename(dirname(dirname(path))).startsWith("models--")
        ? { followLinksInside: dirname(dirname(path)) }
        : {}),
      signal: p.signal,
    });
  }
  return { ...r, path, component };
}
