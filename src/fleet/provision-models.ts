import { hubSettings, resolveHubToken } from "../credentials/hub-settings.js";
import type { ProvisionManifest } from "./parse-provision-manifest.js";
import { provisionModel, type ProvisionModelParams, type ProvisionModelReport } from "./provision-model.js";
import { forEachConcurrent } from "../core/for-each-concurrent.js";

export interface ProvisionModelsParams extends Omit<
  ProvisionModelParams,
  "spec" | "metaUrl" | "signKeyPem" | "license" | "hf"
> {
  manifest: ProvisionManifest;
  /**
   * The environment the defaults below are read from (signed URLs, signing keys, the Hub settings and token), and
   * the one the smoke test's llama.cpp child starts from (its allow-listed variables). @default process.env
   */
  env?: NodeJS.ProcessEnv;
  /** Signed URLs by environment variable name. @default the variables the manifest names, from `env` */
  metaUrls?: Readonly<Record<string, string | undefined>>;
  /** Signing keys (PEM) by environment variable name (`sign.privateKeyEnv`). @default from `env` */
  signKeys?: Readonly<Record<string, string | undefined>>;
  /** The license flags' values and the audit log; the manifest's `license` fills what they leave out. @default {} */
  license?: ProvisionModelParams["license"];
  /**
   * The Hub: cache folder, endpoint and token. @default as the CLI: HF_HUB_CACHE / HF_HOME, HF_ENDPOINT, and the one
   * credential lookup (HF_TOKEN, HUGGING_FACE_HUB_TOKEN, the token `llamagate login` stored, hf's token file)
   */
  hf?: ProvisionModelParams["hf"];
  /** Models at once. @default manifest.concurrency ?? 2 */
  concurrency?: number;
  /** Called when a model starts and when it is done. */
  onModel?: (e: { type: "start"; name: string } | { type: "done"; report: ProvisionModelReport }) => void;
}

export interface ProvisionReport {
  /** Every model provisioned or up to date (dry run: every model planned). */
  ok: boolean;
  models: ProvisionModelReport[];
  seconds: number;
}

/**
 * `llamagate provision <manifest>`: every model of the manifest through provisionModel, `concurrency` at
 * once. A model that fails is reported and the others go on; the report keeps the manifest's order.
 */
export async function provisionModels(p: ProvisionModelsParams): Promise<ProvisionReport> {
  const t0 = performance.now();
  const specs = p.manifest.models;
  const lic = p.manifest.license ?? {};
  const license: ProvisionModelParams["license"] = {
    mau: lic.mau,
    affiliatesMau: lic.affiliatesMau,
    region: lic.region,
    uses: lic.uses,
    endUser: lic.endUser,
    acceptLicense: lic.acceptLicense,
    profilePath: lic.profile,
    override: lic.override,
    ...Object.fromEntries(
      Object.entries(p.license ?? {}).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
    ),
  };
  const env = p.env ?? process.env;
  const hf = p.hf ?? (await defaultHub(env, p.signal));
  const metaUrls =
    p.metaUrls ?? Object.fromEntries(specs.flatMap((m) => (m.metaUrlEnv ? [[m.metaUrlEnv, env[m.metaUrlEnv]]] : [])));
  const signKeys =
    p.signKeys ??
    Object.fromEntries(specs.flatMap((m) => (m.sign ? [[m.sign.privateKeyEnv, env[m.sign.privateKeyEnv]]] : [])));
  const reports: ProvisionModelReport[] = new Array(specs.length);
  const n = Math.max(1, Math.min(p.concurrency ?? p.manifest.concurrency ?? 2, specs.length));
  const stopWhen = () => p.signal?.aborted === true;
  await forEachConcurrent(
    specs,
    n,
    async (spec, i) => {
      p.onModel?.({ type: "start", name: spec.name });
      const {
        manifest: _m,
        metaUrls: _u,
        signKeys: _k,
        concurrency: _c,
        onModel: _o,
        license: _l,
        hf: _h,
        ...rest
      } = p;
      reports[i] = await provisionModel({
        ...rest,
        hf,
        spec,
        license,
        metaUrl: spec.metaUrlEnv ? metaUrls[spec.metaUrlEnv] : undefined,
        signKeyPem: spec.sign ? signKeys[spec.sign.privateKeyEnv] : undefined,
      });
      p.onModel?.({ type: "done", report: reports[i]! });
    },
    { stopWhen },
  );
  const models = reports.filter(Boolean);
  const good = p.dryRun ? ["planned"] : ["provisioned", "up-to-date"];
  return {
    ok: models.length === specs.length && models.every((m) => good.includes(m.status)),
    models,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The Hub as the CLI finds it, for a library call that gives none. */
async function defaultHub(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<ProvisionModelParams["hf"]> {
  const settings = hubSettings(env);
  const token = await resolveHubToken({ settings, env, signal });
  return { cacheDir: settings.cacheDir, endpoint: settings.endpoint, ...(token ? { token: token.token } : {}) };
}
