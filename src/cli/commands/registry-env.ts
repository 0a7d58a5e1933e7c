import { homedir } from "node:os";
import { join } from "node:path";
import type { CliContext } from "../context.js";
import { logLine } from "../output.js";
import { UsageError, llamagateDataDir, resolveRegistryCredentials, type RegistryCredentials } from "../../index.js";

/**
 * Registry credentials for `push` / `pull` / `provision`, looked up for one registry host each time
 * (resolveRegistryCredentials): LLAMAGATE_REGISTRY_USERNAME + LLAMAGATE_REGISTRY_PASSWORD (only for
 * LLAMAGATE_REGISTRY_HOST when that is set), else the plain `auths` entry of Docker's config.json
 * ($DOCKER_CONFIG/config.json or ~/.docker/config.json) for that host, else anonymous. Also warns (on
 * stderr) about plain HTTP.
 */
export async function registryAccess(
  ctx: CliContext,
  registry: string,
  opts: { plainHttp?: boolean; json?: boolean },
): Promise<RegistryCredentials | undefined> {
  const env = ctx.env;
  const found = await resolveRegistryCredentials({
    registry,
    username: env.LLAMAGATE_REGISTRY_USERNAME,
    password: env.LLAMAGATE_REGISTRY_PASSWORD,
    explicitHost: env.LLAMAGATE_REGISTRY_HOST || undefined,
    dockerConfigPath: join(env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker"), "config.json"),
  });
  const credentials = found.credentials;
  if (!credentials && found.helper) {
    logLine(
      ctx,
      `note: the credentials for ${registry} are in the docker-credential-${found.helper} helper, which llamagate does not run; set LLAMAGATE_REGISTRY_USERNAME and LLAMAGATE_REGISTRY_PASSWORD instead. Trying without credentials.`,
    );
  }
  if (opts.plainHttp) {
    const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(registry);
    const risk = loopback
      ? ""
      : `, which is not a loopback address: anyone on the network path can read and change the bytes${credentials ? " and read the credentials" : ""}`;
    logLine(ctx, `warning: --plain-http: talking unencrypted HTTP to ${registry}${risk}.`);
  }
  return credentials;
}

/**
 * LLAMAGATE_REGISTRY_USERNAME/PASSWORD name no registry: with several registries in one run they would go to
 * each of them, so LLAMAGATE_REGISTRY_HOST must say which one they belong to.
 */
export function checkExplicitRegistryHost(ctx: CliContext, registries: readonly string[]): void {
  const env = ctx.env;
  const explicit = env.LLAMAGATE_REGISTRY_USERNAME !== undefined || env.LLAMAGATE_REGISTRY_PASSWORD !== undefined;
  if (!explicit || env.LLAMAGATE_REGISTRY_HOST || new Set(registries.map((r) => r.toLowerCase())).size < 2) return;
  throw new UsageError(
    `LLAMAGATE_REGISTRY_USERNAME/LLAMAGATE_REGISTRY_PASSWORD are set and the manifest names ${new Set(registries).size} registries (${[...new Set(registries)].join(", ")}); llamagate will not send one registry's credentials to the others.`,
    {
      code: "REGISTRY_HOST_REQUIRED",
      hint: "Set LLAMAGATE_REGISTRY_HOST=<host:port> to the registry those credentials belong to (the others use Docker's config.json or none), or keep each registry's login in Docker's config.json.",
    },
  );
}

/** Registry settings every registry command shares: the metadata time limit and the allowed token-service hosts. */
export function registrySessionOptions(
  ctx: CliContext,
  opts: { allowTokenRealmHost?: string[] },
): { metadataTimeoutMs?: number; allowTokenRealmHosts: string[] } {
  const raw = ctx.env.LLAMAGATE_REGISTRY_TIMEOUT;
  let metadataTimeoutMs: number | undefined;
  if (raw !== undefined && raw !== "") {
    const s = Number(raw);
    if (!Number.isFinite(s) || s <= 0 || s > 86_400)
      throw new UsageError(`LLAMAGATE_REGISTRY_TIMEOUT takes seconds (a number above 0), got "${raw.slice(0, 40)}".`, {
        hint: "Unset it for the default of 60 s, or set e.g. LLAMAGATE_REGISTRY_TIMEOUT=120.",
      });
    metadataTimeoutMs = Math.round(s * 1000);
  }
  const hosts = [...(opts.allowTokenRealmHost ?? []), ...(ctx.env.LLAMAGATE_ALLOW_TOKEN_REALM_HOST ?? "").split(",")]
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  return { ...(metadataTimeoutMs ? { metadataTimeoutMs } : {}), allowTokenRealmHosts: hosts };
}

/** Where push remembers upload sessions so an interrupted push resumes (inside llamagate's data folder). */
export function ociUploadStateDir(ctx: CliContext, registry: string, repository: string): string {
  return join(
    llamagateDataDir(ctx.env),
    "oci-uploads",
    registry.replace(/[^A-Za-z0-9.-]/g, "_"),
    repository.replace(/\//g, "__"),
  );
}
