import { access, constants, stat, statfs } from "node:fs/promises";
import { dirname } from "node:path";
import type { CommandRegistrar } from "../command.js";
import type { CliContext } from "../context.js";
import {
  EXIT_CODES,
  defaultThreads,
  formatBytes,
  ggufCacheDir,
  isLlamagateError,
  llamagateDataDir,
  probeBackends,
} from "../../index.js";
import { printJson, printLine } from "../output.js";
import { startSpinner } from "../progress/start-spinner.js";
import { hfEnvironment, resolveCliToken } from "./download-hf-env.js";

/** One line of `llamagate doctor`. */
export interface DoctorCheck {
  name: string;
  status: "ok" | "warn" | "fail";
  /** What was found. */
  detail: string;
  /** What to do about it (warn/fail). */
  action?: string;
}

const MIN_NODE = [20, 18, 1] as const;
const GiB = 2 ** 30;

/** `llamagate doctor [--json]`: can this machine run llamagate (and its smoke test on a GPU)? */
export const registerDoctorCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("doctor")
    .description(
      "Check this machine: Node, free disk, keychain, GPU backends for the smoke test, Hugging Face token, data folders",
    )
    .option("--json", "print one JSON object on stdout")
    .action(
      run(async (opts: { json?: boolean }) => {
        const spinner = opts.json ? undefined : startSpinner(ctx, "checking this machine");
        const checks = await runChecks(ctx).finally(() => spinner?.stop());
        const failed = checks.some((c) => c.status === "fail");
        if (opts.json) printJson(ctx, { ok: !failed, checks });
        else {
          const w = Math.max(...checks.map((c) => c.name.length));
          for (const c of checks) {
            printLine(ctx, `${c.status.padEnd(4)}  ${c.name.padEnd(w)}  ${c.detail}`);
            if (c.action) printLine(ctx, `${" ".repeat(w + 8)}→ ${c.action}`);
          }
        }
        // The only failing checks are about the disk: the filesystem exit code says so.
        return failed ? EXIT_CODES.filesystem : EXIT_CODES.ok;
      }),
    );
};

async function runChecks(ctx: CliContext): Promise<DoctorCheck[]> {
  const [gpu, ...rest] = await Promise.all([
    gpuCheck(ctx),
    nodeCheck(),
    diskCheck(ctx),
    keychainCheck(ctx),
    tokenCheck(ctx),
  ]);
  return [rest[0], rest[1], rest[2], gpu, threadsCheck(), rest[3], ...placesChecks(ctx)];
}

/** The CPU threads smoke-test, setup, demo and provision use by default (core/default-threads.ts). */
function threadsCheck(): DoctorCheck {
  const t = defaultThreads();
  const cores = t.physicalCores === undefined ? "physical cores unknown" : `${t.physicalCores} physical cores`;
  return {
    name: "threads",
    status: "ok",
    detail: `${t.threads} CPU threads for inference (${t.available} CPUs available, ${cores}; 1 for models under 20M parameters); --threads overrides`,
  };
}

async function nodeCheck(): Promise<DoctorCheck> {
  const v = process.versions.node.split(".").map(Number);
  const ok =
    v[0]! > MIN_NODE[0] ||
    (v[0] === MIN_NODE[0] && (v[1]! > MIN_NODE[1] || (v[1] === MIN_NODE[1] && v[2]! >= MIN_NODE[2])));
  return ok
    ? { name: "node", status: "ok", detail: `Node ${process.versions.node}` }
    : {
        name: "node",
        status: "warn",
        detail: `Node ${process.versions.node} is older than ${MIN_NODE.join(".")}`,
        action: `Install Node ${MIN_NODE.join(".")} or newer (20 LTS or 22 LTS).`,
      };
}

/** Free space where the data folder is (or would be created). */
async function diskCheck(ctx: CliContext): Promise<DoctorCheck> {
  const dataDir = llamagateDataDir(ctx.env);
  let dir = dataDir;
  let st = await stat(dir).catch(() => undefined);
  while (!st && dirname(dir) !== dir) {
    dir = dirname(dir);
    st = await stat(dir).catch(() => undefined);
  }
  // LLAMAGATE_DATA_DIR (or a folder above it) is a file: every command that records something would fail.
  if (st && !st.isDirectory())
    return {
      name: "disk",
      status: "fail",
      detail: `${dir} is not a folder${dir === dataDir ? "" : ` (LLAMAGATE_DATA_DIR is ${dataDir})`}`,
      action: "Point LLAMAGATE_DATA_DIR at a folder, or move that file away.",
    };
  const writable = await access(dir, constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!writable)
    return {
      name: "disk",
      status: "fail",
      detail: `${dir} is not writable`,
      action: "Point LLAMAGATE_DATA_DIR at a writable folder.",
    };
  const s = await statfs(dir).catch(() => undefined);
  if (!s) return { name: "disk", status: "warn", detail: `cannot tell the free space of ${dir}` };
  const free = Number(s.bavail) * Number(s.bsize);
  const detail = `${formatBytes(free)} free in ${dir}`;
  if (free < GiB)
    return {
      name: "disk",
      status: "fail",
      detail,
      action: "Free disk space or point LLAMAGATE_DATA_DIR at a bigger disk.",
    };
  if (free < 30 * GiB)
    return {
      name: "disk",
      status: "warn",
      detail,
      action: "A 7B model takes ~13.5 GB per copy (download + GGUF): free space or use --dir on a bigger disk.",
    };
  return { name: "disk", status: "ok", detail };
}

async function keychainCheck(ctx: CliContext): Promise<DoctorCheck> {
  const hf = hfEnvironment(ctx);
  try {
    await hf.keychain.get(ctx.signal);
    return { name: "keychain", status: "ok", detail: `OS keychain reachable (${hf.keychain.location})` };
  } catch (e) {
    const why = isLlamagateError(e) ? String(e.details?.reason ?? e.message) : "unreachable";
    return {
      name: "keychain",
      status: "warn",
      detail: `OS keychain not usable: ${why}`,
      action: `llamagate login will keep the token in a 0600 file (${hf.file.location}) instead; on a desktop, unlock the keyring.`,
    };
  }
}

async function gpuCheck(ctx: CliContext): Promise<DoctorCheck> {
  try {
    const p = await probeBackends({ env: ctx.env, signal: ctx.signal });
    const usable = p.backends.filter((b) => b.usable);
    const list = p.backends.map((b) => `${b.backend}: ${b.usable ? "usable" : "no"} (${b.detail})`).join("; ");
    if (usable.length) return { name: "gpu", status: "ok", detail: `${p.engine}: ${list}` };
    return {
      name: "gpu",
      status: "warn",
      detail: `${p.engine}: no usable GPU backend; ${list}`,
      action:
        "smoke-test runs on the CPU. For a GPU: install the NVIDIA driver + CUDA 12 runtime, or a Vulkan driver (libvulkan1 + the vendor ICD).",
    };
  } catch (e) {
    return {
      name: "gpu",
      status: "warn",
      detail: isLlamagateError(e) ? e.message : "node-llama-cpp could not be inspected",
      action: "Reinstall llamagate (npm ci) so node-llama-cpp's prebuilt binaries are present.",
    };
  }
}

async function tokenCheck(ctx: CliContext): Promise<DoctorCheck> {
  const hf = hfEnvironment(ctx);
  const t = await resolveCliToken(ctx, hf, {}).catch(() => undefined);
  if (!t)
    return {
      name: "hf-token",
      status: "warn",
      detail: "no Hugging Face token configured",
      action: "Gated repos (all Llama models) need one: llamagate login, or set HF_TOKEN.",
    };
  const shape = /^hf_[A-Za-z0-9]{30,}$/.test(t.token) ? "" : " (does not look like an hf_ token)";
  return {
    name: "hf-token",
    status: shape ? "warn" : "ok",
    detail: `token set, from ${t.source}${shape}`,
    ...(shape ? { action: "Check it with llamagate whoami." } : {}),
  };
}

function placesChecks(ctx: CliContext): DoctorCheck[] {
  const hf = hfEnvironment(ctx);
  const data = llamagateDataDir(ctx.env);
  return [
    {
      name: "data",
      status: "ok",
      detail: `${data} (license log; GGUF cache in ${ggufCacheDir(ctx.env)}); set LLAMAGATE_DATA_DIR to move it`,
    },
    {
      name: "config",
      status: "ok",
      detail: `${hf.configDir} (token file when there is no keychain); LLAMAGATE_CONFIG_DIR`,
    },
    {
      name: "hf-cache",
      status: "ok",
      detail: `${hf.cacheDir} (Hugging Face downloads; HF_HUB_CACHE / HF_HOME)${hf.offline ? "; HF_HUB_OFFLINE is set" : ""}`,
    },
  ];
}
