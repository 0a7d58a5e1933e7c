import { homedir } from "node:os";
import { join } from "node:path";
import type { RegistryCredentials } from "../../sources/oci/create-registry-session.js";
import { readDockerConfigAuth } from "../../sources/oci/read-docker-config-auth.js";
import type { CliContext } from "../context.js";
import { llamagateDataDir } from "../../core/defaults/llamagate-paths.js";
import { logLine } from "../output.js";

/**
 * Registry credentials for `push` / `pull`: LLAMAGATE_REGISTRY_USERNAME + LLAMAGATE_REGISTRY_PASSWORD,
 * else the plain `auths` entry of Docker's config.json ($DOCKER_CONFIG/config.json or
 * ~/.docker/config.json), else anonymous. Also warns (once, on stderr) about plain HTTP.
 */
export async function registryAccess(
  ctx: CliContext,
  registry: string,
  opts: { plainHttp?: boolean; json?: boolean },
): Promise<RegistryCredentials | undefined> {
  const env = ctx.env;
  let credentials: RegistryCredentials | undefined;
  if (env.LLAMAGATE_REGISTRY_USERNAME !== undefined || env.LLAMAGATE_REGISTRY_PASSWORD !== undefined) {
    credentials = { username: env.LLAMAGATE_REGISTRY_USERNAME ?? "", password: env.LLAMAGATE_REGISTRY_PASSWORD ?? "" };
  } else {
    const path = join(env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker"), "config.json");
    const found = await readDockerConfigAuth({ path, registry });
    credentials = found.credentials;
    if (!credentials && found.helper) {
      logLine(
        ctx,
        `note: the credentials for ${registry} are in the docker-credential-${found.helper} helper, which llamagate does not run; set LLAMAGATE_REGISTRY_USERNAME and LLAMAGATE_REGISTRY_PASSWORD instead. Trying without credentials.`,
      );
    }
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

/** Where push remembers upload sessions so an interrupted push resumes (inside llamagate's data folder). */
export function ociUploadStateDir(ctx: CliContext, registry: string, repository: string): string {
  return join(
    llamagateDataDir(ctx.env),
    "oci-uploads",
    registry.replace(/[^A-Za-z0-9.-]/g, "_"),
    repository.replace(/\//g, "__"),
  );
}
