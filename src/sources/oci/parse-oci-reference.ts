import { UsageError } from "../../core/errors.js";

/** A parsed `<registry>/<repository>[:<tag>][@<digest>]`. */
export interface OciReference {
  /** Host and optional port, e.g. "registry.example.com" or "127.0.0.1:5000". */
  registry: string;
  /** Repository path, e.g. "models/llama-2-7b". */
  repository: string;
  /** Tag when given (default "latest" when neither tag nor digest is given). */
  tag?: string;
  /** "sha256:<hex>" when given. */
  digest?: string;
  /** What to use in URLs after /manifests/: the digest if any, else the tag. */
  reference: string;
  /** The reference as the user should see it again. */
  display: string;
}

const REPO_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Parse an OCI reference. The registry part is required (llamagate has no default registry): the first
 * path component must look like a host (contain "." or ":", or be "localhost").
 */
export function parseOciReference(text: string): OciReference {
  const bad = (why: string) =>
    new UsageError(`"${text}" is not a registry reference: ${why}.`, {
      code: "BAD_OCI_REFERENCE",
      hint: "Write it as <registry>/<repository>:<tag>, e.g. registry.example.com/models/llama-2-7b:v1.",
    });
  let rest = text.trim();
  if (/^[a-z]+:\/\//i.test(rest)) throw bad("leave out the scheme (use --plain-http for an http:// registry)");
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad("the digest must be sha256:<64 hex digits>");
  }
  const slash = rest.indexOf("/");
  if (slash < 0) throw bad("it names no registry host");
  const registry = rest.slice(0, slash);
  if (
    !(registry.includes(".") || registry.includes(":") || registry === "localhost") ||
    !/^[A-Za-z0-9.:[\]-]+$/.test(registry)
  ) {
    throw bad(`"${registry}" is not a registry host`);
  }
  const hostProblem = checkRegistryHost(registry);
  if (hostProblem)
    throw new UsageError(`"${text}" is not a registry reference: "${registry}" ${hostProblem}.`, {
      code: "BAD_OCI_REFERENCE",
      hint: "Write the registry as host[:port], e.g. registry.example.com, 127.0.0.1:5000 or [::1]:5000 (port 1-65535), then /<repository>:<tag>.",
    });
  let path = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = path.lastIndexOf(":");
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`"${tag}" is not a valid tag`);
  }
  if (!path || !path.split("/").every((c) => REPO_COMPONENT.test(c)))
    throw bad(`"${path}" is not a valid repository name (lower case, digits, . _ -)`);
  if (!tag && !digest) tag = "latest";
  const display = `${registry}/${path}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
  return { registry, repository: path, tag, digest, reference: digest ?? tag!, display };
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `registry` is not a usable host[:port] (undefined when it is). */
function checkRegistryHost(registry: string): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d*))?$/.exec(registry);
  if (!m) return "is not a host name, an IPv4 address or a [bracketed] IPv6 address with an optional :port";
  const [, host, port] = m;
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535))
    return `has the port "${port}", which is not a number from 1 to 65535`;
  if (!host!.startsWith("[") && (host!.length > 253 || !host!.split(".").every((l) => LABEL.test(l))))
    return "has an empty or malformed name part (letters, digits and inner hyphens, separated by single dots)";
  if (!URL.canParse(`https://${registry}/`)) return "is not a valid host";
  return undefined;
}
