import type { RegistryCredentials } from "./create-registry-session.js";
import { readDockerConfigAuth } from "./read-docker-config-auth.js";

export interface ResolveRegistryCredentialsParams {
  /** The registry host[:port] the credentials are for: each registry is looked up on its own. */
  registry: string;
  /** Explicit credentials (LLAMAGATE_REGISTRY_USERNAME / LLAMAGATE_REGISTRY_PASSWORD, or the library caller's). */
  username?: string;
  password?: string;
  /**
   * The one registry host the explicit credentials belong to (LLAMAGATE_REGISTRY_HOST). When set, other
   * registries never get them; when unset they are for the registry the command names.
   */
  explicitHost?: string;
  /** Docker's config.json ($DOCKER_CONFIG/config.json or ~/.docker/config.json). */
  dockerConfigPath?: string;
}

export interface ResolvedRegistryCredentials {
  credentials?: RegistryCredentials;
  /** Where they came from. */
  source: "explicit" | "docker-config" | "none";
  /** The Docker config keeps this registry's credentials in a credential helper, which llamagate does not run. */
  helper?: string;
}

/**
 * The one registry credential lookup of push, pull and provision, per registry host: the explicit
 * credentials (when they are for this host), else Docker config.json's `auths` entry for exactly this
 * host[:port], else none. A registry never gets another registry's credentials.
 */
export async function resolveRegistryCredentials(
  p: ResolveRegistryCredentialsParams,
): Promise<ResolvedRegistryCredentials> {
  const explicit = p.username !== undefined || p.password !== undefined;
  const forThisHost = !p.explicitHost || p.explicitHost.trim().toLowerCase() === p.registry.toLowerCase();
  if (explicit && forThisHost)
    return { credentials: { username: p.username ?? "", password: p.password ?? "" }, source: "explicit" };
  if (!p.dockerConfigPath) return { source: "none" };
  const found = await readDockerConfigAuth({ path: p.dockerConfigPath, registry: p.registry });
  if (found.credentials) return { credentials: found.credentials, source: "docker-config" };
  return { source: "none", ...(found.helper ? { helper: found.helper } : {}) };
}
