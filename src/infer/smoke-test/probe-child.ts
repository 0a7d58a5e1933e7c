/**
 * The child process that asks node-llama-cpp which GPU backends work here (started by probe-backends.ts with fork
 * from the compiled dist/infer/smoke-test/probe-child.js): node-llama-cpp's native code stays out of the caller,
 * and it may abort. Public exports only. Sends one ProbeBackendsResult over IPC, then exits.
 */
import { existsSync } from "node:fs";
import { getLlama, getLlamaGpuTypes, getModuleVersion, LlamaLogLevel } from "node-llama-cpp";
import type { BackendProbe, ProbeBackendsResult } from "./probe-backends.js";

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function probe(): Promise<ProbeBackendsResult> {
  const valid = await getLlamaGpuTypes("allValid");
  // "supported": the GPU types whose drivers and libraries node-llama-cpp finds on this machine
  const supported = await getLlamaGpuTypes("supported");
  const out: BackendProbe[] = [];
  for (const backend of ["cuda", "vulkan", "metal"] as const) {
    if (!valid.includes(backend)) {
      if (backend === "metal" && process.platform === "darwin")
        out.push({ backend, usable: false, detail: "no Metal build for this Mac" });
      continue;
    }
    if (!supported.includes(backend)) {
      const detail =
        backend === "cuda"
          ? process.platform === "linux" && existsSync("/proc/driver/nvidia/version")
            ? "NVIDIA driver found, but no CUDA runtime libraries (libcudart, libcublas)"
            : "no NVIDIA driver found (libnvidia-ml / nvidia-smi)"
          : backend === "vulkan"
            ? "no Vulkan loader or driver found (libvulkan)"
            : "Metal is not available";
      out.push({ backend, usable: false, detail });
      continue;
    }
    try {
      const llama = await getLlama({
        gpu: backend,
        build: "never",
        logLevel: LlamaLogLevel.error,
        progressLogs: false,
      });
      const names = await llama.getGpuDeviceNames();
      const vram = await llama.getVramState();
      out.push({
        backend,
        usable: true,
        detail: `${names.join(", ") || "device"}, ${Math.round(vram.total / 2 ** 20)} MiB`,
      });
      await llama.dispose();
    } catch (e) {
      out.push({
        backend,
        usable: false,
        detail: `libraries present but the prebuilt ${backend} binary did not load (${errorMessage(e)})`,
      });
    }
  }
  const version = await getModuleVersion().catch(() => "?");
  return { backends: out, engine: `node-llama-cpp ${version}` };
}

try {
  const result = await probe();
  await new Promise<void>((resolve) => process.send!({ ok: true, result }, () => resolve()));
} catch (e) {
  await new Promise<void>((resolve) => process.send!({ ok: false, message: errorMessage(e) }, () => resolve()));
}
process.exit(0);
