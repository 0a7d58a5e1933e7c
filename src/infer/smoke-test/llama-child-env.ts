/** Variables the llama.cpp child may see, by exact name: paths, locale, temp folders, the OS's own. */
const NAMES = new Set([
  "PATH",
  "HOME",
  "USERPROFILE",
  "TMPDIR",
  "TMP",
  "TEMP",
  "LANG",
  "LANGUAGE",
  "TZ",
  "LD_LIBRARY_PATH",
  "DYLD_LIBRARY_PATH",
  "DYLD_FALLBACK_LIBRARY_PATH",
  "SYSTEMROOT",
  "SYSTEMDRIVE",
  "WINDIR",
  "COMSPEC",
  "PATHEXT",
  "APPDATA",
  "LOCALAPPDATA",
  "PROGRAMFILES",
  "PROGRAMDATA",
  "NUMBER_OF_PROCESSORS",
  "PROCESSOR_ARCHITECTURE",
  "XDG_RUNTIME_DIR",
  "XDG_CACHE_HOME",
  "DISPLAY",
  "WAYLAND_DISPLAY",
]);

/** And by prefix: GPU runtimes and drivers (CUDA, Vulkan, ROCm, Metal), ggml, node-llama-cpp, OpenMP, locale. */
const PREFIXES = [
  "GGML_",
  "NODE_LLAMA_CPP_",
  "CUDA_",
  "NVIDIA_",
  "VK_",
  "MESA_",
  "RADV_",
  "AMD_",
  "HIP_",
  "ROCR_",
  "HSA_",
  "GPU_",
  "MTL_",
  "OMP_",
  "KMP_",
  "LC_",
];

/**
 * The environment for the child that runs llama.cpp on an untrusted GGUF: an allow-list, so tokens
 * (HF_TOKEN), registry passwords, the Meta signed URL (LLAMAGATE_META_URL), proxies with
 * credentials and NODE_OPTIONS never reach a process parsing hostile bytes.
 */
export function llamaChildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    const upper = k.toUpperCase();
    if (NAMES.has(upper) || PREFIXES.some((p) => upper.startsWith(p))) out[k] = v;
  }
  out.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";
  return out;
}
