import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { LlamagateError } from "../../core/errors.js";

/** One GPU backend node-llama-cpp knows, and whether it works here. */
export interface BackendProbe {
  backend: "cuda" | "vulkan" | "metal";
  usable: boolean;
  /** Why not, or the devices found. */
  detail: string;
}

export interface ProbeBackendsResult {
  backends: BackendProbe[];
  /** node-llama-cpp's version, and the llama.cpp release it ships. */
  engine: string;
}

/** Runs in a child (node-llama-cpp's native code stays out of the caller, and it may abort). */
const PROBE_SOURCE = String.raw`
process.execArgv.splice(0);
const [lib, detectUrl] = process.argv.slice(-2);
const m = await import(lib);
const d = await import(detectUrl);
const layers = await d.detectAvailableComputeLayers();
const valid = await m.getLlamaGpuTypes("allValid");
const out = [];
for (const backend of ["cuda", "vulkan", "metal"]) {
  if (!valid.includes(backend)) { if (backend === "metal" && process.platform === "darwin") out.push({ backend, usable: false, detail: "no Metal build for this Mac" }); continue; }
  let missing = "";
  if (backend === "cuda" && !layers.cuda.hasNvidiaDriver) missing = "no NVIDIA driver found (libnvidia-ml / nvidia-smi)";
  else if (backend === "cuda" && !layers.cuda.hasCudaRuntime) missing = "NVIDIA driver found, but no CUDA runtime libraries (libcudart, libcublas)";
  else if (backend === "vulkan" && !layers.vulkan) missing = "no Vulkan loader or driver found (libvulkan)";
  if (missing) { out.push({ backend, usable: false, detail: missing }); continue; }
  try {
    const llama = await m.getLlama({ gpu: backend, build: "never", logLevel: "error", progressLogs: false });
    const names = await llama.getGpuDeviceNames();
    const vram = await llama.getVramState();
    out.push({ backend, usable: true, detail: (names.join(", ") || "device") + ", " + Math.round(vram.total / 2 ** 20) + " MiB" });
    await llama.dispose();
  } catch (e) {
    out.push({ backend, usable: false, detail: "libraries present but the prebuilt " + backend + " binary did not load (" + ((e && e.message) || e) + ")" });
  }
}
const pkg = await import(new URL("../package.json", lib), { with: { type: "json" } }).catch(() => ({ default: {} }));
process.stdout.write("\n@@PROBE@@" + JSON.stringify({ backends: out, engine: "node-llama-cpp " + (pkg.default.version ?? "?") }) + "\n");
process.exit(0);
`;

/**
 * Which GPU backends node-llama-cpp can use on this machine, and why not where it cannot. Loads
 * nothing into this process; never builds from source.
 */
export async function probeBackends(
  params: {
    /** Give up after this long (default 60 s). */
    timeoutMs?: number;
    signal?: AbortSignal;
  } = {},
): Promise<ProbeBackendsResult> {
  const lib = pathToFileURL(createRequire(import.meta.url).resolve("node-llama-cpp")).href;
  const detect = new URL("./bindings/utils/detectAvailableComputeLayers.js", lib).href;
  const timeout = AbortSignal.timeout(params.timeoutMs ?? 60_000);
  const signal = params.signal ? AbortSignal.any([params.signal, timeout]) : timeout;
  const child = spawn(process.execPath, ["--input-type=module", "-e", PROBE_SOURCE, lib, detect], {
    stdio: ["ignore", "pipe", "pipe"],
    signal,
    env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: "true" },
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (out += d.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => {
    child.on("error", () => resolve(-1));
    child.on("close", (c) => resolve(c));
  });
  const line = out.split("\n").find((l) => l.startsWith("@@PROBE@@"));
  if (!line) {
    const why = out.trim().split("\n").slice(-1)[0] ?? `exit ${code}`;
    throw new LlamagateError("ENGINE_PROBE_FAILED", "internal", `node-llama-cpp could not be inspected: ${why}`);
  }
  return JSON.parse(line.slice("@@PROBE@@".length)) as ProbeBackendsResult;
}
