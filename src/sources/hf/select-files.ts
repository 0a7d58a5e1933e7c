import { UsageError } from "../../core/errors.js";
import type { RepoFile } from "./list-repo-tree.js";

export interface SelectFilesParams {
  /** The repo listing. */
  files: readonly RepoFile[];
  /** Shell globs (fnmatch: "*" also crosses "/"; a trailing "/" means the whole folder); empty = all. */
  include?: readonly string[];
  /** Shell globs to drop, applied after include. */
  exclude?: readonly string[];
  /** Apply the Llama defaults when no --include is given (skip original/, prefer safetensors). Default true. */
  llamaDefaults?: boolean;
}

export interface SelectedFiles {
  /** Files to fetch, in listing order. */
  selected: RepoFile[];
  /** Files left out by the Llama defaults, with the reason, so the CLI can say how to get them. */
  skippedByDefault: { path: string; reason: "meta-original" | "duplicate-bin" | "local-dir-reserved" }[];
}

/** Filter a listing with --include/--exclude, the way huggingface_hub's allow/ignore patterns work. */
export function selectFiles(p: SelectFilesParams): SelectedFiles {
  const include = (p.include ?? []).map(globToRegExp);
  const exclude = (p.exclude ?? []).map(globToRegExp);
  let selected = p.files.filter(
    (f) => (include.length === 0 || include.some((r) => r.test(f.path))) && !exclude.some((r) => r.test(f.path)),
  );
  const skippedByDefault: SelectedFiles["skippedByDefault"] = [];
  if ((p.llamaDefaults ?? true) && include.length === 0) {
    // Meta-format copies (consolidated.*.pth, params.json) live under original/ in Llama 3+ repos.
    const keep: typeof selected = [];
    const hasSafetensors = selected.some((f) => !f.path.includes("/") && f.path.endsWith(".safetensors"));
    for (const f of selected) {
      if (f.path.startsWith("original/")) skippedByDefault.push({ path: f.path, reason: "meta-original" });
      else if (hasSafetensors && /^pytorch_model(-\d+-of-\d+)?\.bin(\.index\.json)?$/.test(f.path)) {
        skippedByDefault.push({ path: f.path, reason: "duplicate-bin" });
      } else keep.push(f);
    }
    selected = keep;
  }
  return { selected, skippedByDefault };
}

/**
 * fnmatch-style glob → RegExp over the whole path ("*" matches any characters, "/" included). A glob
 * that makes no valid pattern (a reversed range like `[z-a]`) is a UsageError INVALID_GLOB.
 */
export function globToRegExp(glob: string): RegExp {
  const g = glob.endsWith("/") ? `${glob}*` : glob;
  let re = "";
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = g.indexOf("]", i + 2);
      if (end === -1) re += "\\[";
      else {
        let body = g.slice(i + 1, end);
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  try {
    return new RegExp(`^${re}$`, "s");
  } catch {
    throw new UsageError(
      `The pattern ${JSON.stringify(glob)} is not a valid glob (a range like [z-a] must go from low to high).`,
      {
        hint: "Fix the --include/--exclude pattern: * matches anything, ? one character, [a-z] one of a range.",
        code: "INVALID_GLOB",
        details: { pattern: glob },
      },
    );
  }
}
