export interface MatchesNamePrefixParams {
  /** The derived model's name, e.g. "Llama-3-Acme-8B". */
  name: string;
  /** Required beginning, e.g. "Llama" or "Llama 3". */
  prefix: string;
}

/**
 * Whether `name` begins with `prefix` as the naming rule of §1.b.i asks. "exact": literally;
 * "loose": only when case and the separators between words ("Llama-3", "llama_3", "Llama3") are
 * ignored; "no": it does not begin with it. A prefix ending in a digit must not run on into
 * another digit ("Llama 30B" does not begin with "Llama 3").
 */
export function matchesNamePrefix({ name, prefix }: MatchesNamePrefixParams): "exact" | "loose" | "no" {
  const n = name.trim();
  const digitGuard = /\d$/.test(prefix) ? "(?!\\d)" : "";
  if (new RegExp(`^${escape(prefix)}${digitGuard}`).test(n)) return "exact";
  const words = prefix.trim().split(/\s+/).map(escape).join("[\\s_.-]*");
  return new RegExp(`^${words}${digitGuard}`, "i").test(n) ? "loose" : "no";
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
