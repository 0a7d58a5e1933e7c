import { createRequire } from "node:module";
import type { Dispatcher } from "undici";
import { UsageError } from "../errors.js";
import { redactUrl } from "../redact.js";
import { markDirect } from "./direct-connection.js";

/**
 * The one place llamagate makes a connection pool, and so the one place the proxy is decided: every
 * request of the tool (Hub API and CDN, Meta's CDN, OCI registries and their token services) goes
 * through a dispatcher made here, by the library's own defaults and by the CLI alike.
 *
 * Proxy rules, as curl and huggingface_hub read them: `https_proxy`/`HTTPS_PROXY` for https:// URLs
 * (falling back to the http proxy, as undici does), `http_proxy`/`HTTP_PROXY` for http:// URLs,
 * `no_proxy`/`NO_PROXY` (comma- or space-separated hosts, `.domain` suffixes, `host:port`, `*`) to go
 * direct. `proxy` (the CLI's `--proxy URL`) replaces both proxy variables; NO_PROXY still applies.
 * Proxy credentials go in the URL (`http://user:pass@proxy:3128`) and never appear in any message.
 * Lower-case names win over upper-case ones when both are set, like curl. With no proxy at all this is
 * a plain keep-alive undici Agent.
 */
export function createDispatcher(
  p: {
    /** A proxy for every request (`--proxy`), overriding HTTP(S)_PROXY. */
    proxy?: string;
    /** The environment to read the proxy variables from. @default process.env */
    env?: NodeJS.ProcessEnv;
    /** Connections per origin. */
    connections?: number;
    /** Idle keep-alive time of a connection, in ms. @default 10000 */
    keepAliveTimeout?: number;
    /** Longest keep-alive time a server may ask for, in ms. */
    keepAliveMaxTimeout?: number;
    /** Time to open a connection, in ms. @default 30000 */
    connectTimeout?: number;
  } = {},
): Dispatcher {
  const settings = proxySettings(p.env ?? process.env, p.proxy);
  const agent = {
    keepAliveTimeout: p.keepAliveTimeout ?? 10_000,
    connectTimeout: p.connectTimeout ?? 30_000,
    ...(p.keepAliveMaxTimeout === undefined ? {} : { keepAliveMaxTimeout: p.keepAliveMaxTimeout }),
    ...(p.connections === undefined ? {} : { connections: p.connections }),
  };
  const { Agent, EnvHttpProxyAgent } = loadUndici();
  // Without a proxy, bulk bodies may be read straight from their own connections (sendRequest's rawBody).
  if (!settings.httpProxy && !settings.httpsProxy) {
    return markDirect(new Agent(agent), { connectTimeoutMs: agent.connectTimeout });
  }
  // Every value is passed explicitly ("" = none): undici would otherwise read process.env itself.
  return new EnvHttpProxyAgent({ ...agent, ...settings });
}

// undici loads with the first connection pool, not with the public API: commands that make no request
// (models, license, --version) start without it. It is a CommonJS package, so loading it stays synchronous.
const requireHere = createRequire(import.meta.url);
const loadUndici = () => requireHere("undici") as typeof import("undici");

/** The proxy variables of `env` (lower case first), `proxy` replacing both; each proxy URL checked. */
function proxySettings(
  env: NodeJS.ProcessEnv,
  proxy: string | undefined,
): { httpProxy: string; httpsProxy: string; noProxy: string } {
  const pick = (name: string) => env[name.toLowerCase()] || env[name.toUpperCase()] || "";
  const httpProxy = checked(proxy ?? pick("http_proxy"), proxy !== undefined ? "--proxy" : "HTTP_PROXY");
  const httpsProxy = checked(proxy ?? pick("https_proxy"), proxy !== undefined ? "--proxy" : "HTTPS_PROXY");
  return { httpProxy, httpsProxy, noProxy: pick("no_proxy") };
}

function checked(value: string, source: string): string {
  const v = value.trim();
  if (!v) return "";
  let url: URL | undefined;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) {
    throw new UsageError(`${source} is not an http:// or https:// proxy URL (${redactUrl(v)}).`, {
      code: "BAD_PROXY",
      hint: `Set ${source} to the proxy's address, e.g. http://proxy.example:3128 (credentials: http://user:pass@proxy.example:3128).`,
    });
  }
  return url.toString().replace(/\/$/, "");
}
