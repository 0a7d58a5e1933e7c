/**
 * Test helper: a generated Meta-layout release served by the project's signed CDN (src/demo/serve-signed-cdn.ts)
 * behind a fault-injecting proxy (test/helpers/fault-proxy.ts) with one-shot faults queued per path, plus a
 * runner for the built CLI (and one for the CLI in this process).
 */
import type { ChildProcess } from "node:child_process";
import { runCli, type CliRun } from "./run-cli.js";
import { runMain } from "./run-main.js";
export type { CliRun };
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findModel } from "../../src/catalog/find-model.js";
import { serveSignedCdn } from "../../src/demo/serve-signed-cdn.js";
import { startFaultProxy, type CdnFault, type ProxyRequestRecord } from "./fault-proxy.js";
import { generateFakeRelease } from "./generate-fake-release.js";

export type { CdnFault };

/** The CDN as the tests see it: through the proxy (its origin, its request log). */
export interface TestCdn {
  origin: string;
  requests: ProxyRequestRecord[];
  signUrl: (p: { expiresAt: Date; downloadRequestId?: string }) => string;
}

export const TEST_SECRET = "test-hmac-secret-0123456789";
export const TEST_KEY_PAIR_ID = "KTESTKEYPAIR01";
export const TEST_DOWNLOAD_REQUEST_ID = "9876543210987654";

export interface MetaCdn {
  cdn: TestCdn;
  /** Folder the CDN serves (the "truth" the downloaded bytes are compared against). */
  root: string;
  /** Temporary folder for the test's downloads. */
  work: string;
  /** Relative path → size of every generated file. */
  files: Record<string, number>;
  /** A valid link (24 h), or one expiring at `expiresAt`. */
  url(expiresAt?: Date): string;
  /** Queue a fault for the next GET of `path` (one per call; consumed in order). */
  fault(path: string, ...faults: CdnFault[]): void;
  /** Make every GET of `path` get this fault. */
  always(path: string, fault: CdnFault): void;
  close(): Promise<void>;
}

export async function startMetaCdn(opts: {
  models: string[];
  shardBytes?: number;
  maxGetsPerPath?: number;
}): Promise<MetaCdn> {
  const work = await mkdtemp(join(tmpdir(), "llamagate-meta-test-"));
  const root = join(work, "cdn");
  const release = await generateFakeRelease({
    root,
    models: opts.models.map((name) => findModel({ name })),
    shardBytes: opts.shardBytes ?? 300_000,
    seed: "test",
  });
  const queued = new Map<string, CdnFault[]>();
  const forever = new Map<string, CdnFault>();
  const real = await serveSignedCdn({ root, secret: TEST_SECRET, keyPairId: TEST_KEY_PAIR_ID });
  const proxy = await startFaultProxy({
    target: real.origin,
    maxGetsPerPath: opts.maxGetsPerPath,
    faultFor: ({ method, path }) => {
      if (method !== "GET") return undefined;
      return forever.get(path) ?? queued.get(path)?.shift();
    },
  });
  const cdn: TestCdn = {
    origin: proxy.origin,
    requests: proxy.requests,
    signUrl: (p) => real.signUrl(p).replace(real.origin, proxy.origin),
  };
  return {
    cdn,
    root,
    work,
    files: release.files,
    url: (expiresAt = new Date(Date.now() + 24 * 3600_000)) =>
      cdn.signUrl({ expiresAt, downloadRequestId: TEST_DOWNLOAD_REQUEST_ID }),
    fault: (path, ...faults) => queued.set(path, [...(queued.get(path) ?? []), ...faults]),
    always: (path, fault) => forever.set(path, fault),
    close: async () => {
      await proxy.close();
      await real.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** Run the built CLI (npm run build first). `input` is written to stdin (else stdin is /dev/null). */
export function runLlamagate(
  args: string[],
  opts: {
    env?: Record<string, string>;
    input?: string;
    cwd?: string;
    timeoutMs?: number;
    onSpawn?: (child: ChildProcess) => void;
    stdinFd?: number;
  } = {},
): Promise<CliRun> {
  return runCli(withTestFlags(args), {
    ...opts,
    timeoutMs: opts.timeoutMs ?? 45_000,
    env: {
      LLAMAGATE_DATA_DIR: testStateDir(),
      ...opts.env,
      // Only the test's own link, never one from the developer's shell.
      LLAMAGATE_META_URL: opts.env?.LLAMAGATE_META_URL,
    },
  });
}

/**
 * The same run in this process (runMain: no Node start-up per run), for the cases where the process boundary
 * (signals, a killed process) is not what is checked. The environment is only the test's.
 */
export function runLlamagateInProcess(args: string[], opts: { env?: Record<string, string> } = {}): Promise<CliRun> {
  return runMain(withTestFlags(args), { env: { LLAMAGATE_DATA_DIR: testStateDir(), ...opts.env } });
}

const testStateDir = () => join(tmpdir(), `llamagate-test-state-${process.pid}`);

function withTestFlags(args: string[]): string[] {
  // Downloads run the license gate first: declare an accepted small organisation unless the test
  // sets license flags itself. The audit log goes to a throwaway folder, never the user's.
  const extra =
    args[0] === "download" && !args.some((a) => a === "--accept-license" || a === "--mau")
      ? ["--accept-license", "--mau", "1000"]
      : [];
  // The generated shards are tiny; the preflight would ask for the real model's size (test/unit/meta covers it).
  if (args[0] === "download" && !args.includes("--space-check")) extra.push("--no-space-check");
  return [...args, ...extra];
}
