import { readFile } from "node:fs/promises";
import { UsageError } from "../../core/errors.js";
import type { RegistryCredentials } from "./create-registry-session.js";

/** What readDockerConfigAuth found for a registry. */
export interface DockerConfigAuth {
  /** The plain `auths` entry's credentials, if there is one. */
  credentials?: RegistryCredentials;
  /** Set when the credentials live in a credential helper (credsStore / credHelpers), which llamagate does not run. */
  helper?: string;
}

/**
 * Read the credentials for `registry` from a Docker config.json (`~/.docker/config.json`,
 * `$DOCKER_CONFIG/config.json`): plain `auths` entries (`auth` = base64 "user:password", or
 * `username`/`password`, or `identitytoken`). A missing file means no credentials. Credential helpers are
 * reported, not run. Never puts the credentials into an error.
 */
export async function readDockerConfigAuth(params: {
  /** Path of config.json. */
  path: string;
  /** Registry host[:port] as in the reference. */
  registry: string;
}): Promise<DockerConfigAuth> {
  let text: string;
  try {
    text = await readFile(params.path, "utf8");
  } catch {
    return {};
  }
  let cfg: {
    auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown }>;
    credsStore?: unknown;
    credHelpers?: Record<string, unknown>;
  };
  try {
    cfg = JSON.parse(text);
  } catch {
    throw new UsageError(`${params.path} is not valid JSON.`, {
      code: "BAD_DOCKER_CONFIG",
      hint: "Fix or move the file, or pass credentials in LLAMAGATE_REGISTRY_USERNAME / LLAMAGATE_REGISTRY_PASSWORD.",
    });
  }
  const keys = [
    params.registry,
    `https://${params.registry}`,
    `http://${params.registry}`,
    `https://${params.registry}/v2/`,
    `https://${params.registry}/v1/`,
  ];
  if (params.registry === "docker.io" || params.registry === "registry-1.docker.io")
    keys.push("https://index.docker.io/v1/");
  for (const k of keys) {
    const e = cfg.auths?.[k];
    if (!e || typeof e !== "object") continue;
    if (typeof e.identitytoken === "string" && e.identitytoken)
      return { credentials: { username: "<token>", password: e.identitytoken } };
    if (typeof e.username === "string" && typeof e.password === "string")
      return { credentials: { username: e.username, password: e.password } };
    if (typeof e.auth === "string" && e.auth) {
      const plain = Buffer.from(e.auth, "base64").toString("utf8");
      const i = plain.indexOf(":");
      if (i > 0) return { credentials: { username: plain.slice(0, i), password: plain.slice(i + 1) } };
    }
  }
  const helper = cfg.credHelpers?.[params.registry] ?? cfg.credsStore;
  return typeof helper === "string" && helper ? { helper } : {};
}
