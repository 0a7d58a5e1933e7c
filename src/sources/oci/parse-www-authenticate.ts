/** One challenge of a WWW-Authenticate header. */
export interface AuthChallenge {
  /** Lower-cased scheme: "basic" or "bearer" (others are returned as is). */
  scheme: string;
  /** Parameters (realm, service, scope, error...), keys lower-cased. */
  params: Record<string, string>;
}

/**
 * Parse `WWW-Authenticate` (RFC 9110 §11.6.1) as registries send it, e.g.
 * `Bearer realm="https://auth.example.com/token",service="registry",scope="repository:a/b:pull"`.
 * Returns the challenges in order; unparseable pieces are skipped.
 */
export function parseWwwAuthenticate(header: string | string[] | undefined): AuthChallenge[] {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const out: AuthChallenge[] = [];
  for (const value of values) {
    let current: AuthChallenge | undefined;
    for (const piece of splitOutsideQuotes(value)) {
      const m = /^([A-Za-z][\w!#$%&'*+.^`|~-]*)(?:\s+(.*))?$/s.exec(piece);
      const param = /^([\w-]+)\s*=\s*(.*)$/s.exec(piece);
      if (param && current && !(m && m[2] !== undefined)) {
        current.params[param[1]!.toLowerCase()] = unquote(param[2]!);
      } else if (m) {
        current = { scheme: m[1]!.toLowerCase(), params: {} };
        out.push(current);
        const first = m[2] ? /^([\w-]+)\s*=\s*(.*)$/s.exec(m[2]) : null;
        if (first) current.params[first[1]!.toLowerCase()] = unquote(first[2]!);
      }
    }
  }
  return out;
}

function splitOutsideQuotes(s: string): string[] {
  const parts: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted && c === "\\" && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === "," && !quoted) {
      if (cur.trim()) parts.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}

function unquote(v: string): string {
  const t = v.trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1).replace(/\\(.)/g, "$1") : t;
}
