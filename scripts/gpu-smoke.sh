#!/usr/bin/env bash
# GPU smoke check for a machine with an NVIDIA GPU: which backend llamagate's smoke test picks, how
# much VRAM it uses, and its tokens/s against the CPU on the same GGUF.
#
# Needs (nothing is downloaded):
#   - an NVIDIA GPU with its driver loaded (nvidia-smi works)
#   - for CUDA: the CUDA 12 runtime libraries (libcudart.so.12, libcublas.so.12, libcublasLt.so.12) on the
#     library path, and node_modules/@node-llama-cpp/linux-x64-cuda (+ linux-x64-cuda-ext) installed;
#     or for Vulkan: the Vulkan loader (libvulkan.so.1) with NVIDIA's ICD, and @node-llama-cpp/linux-x64-vulkan
#   - Node >= 20.18.1, this repository with node_modules installed (npm ci) and dist/ built (npm run build)
#   - ~1 GB free disk for the generated model (.bench/smoke/, reused between runs)
#
# Usage: scripts/gpu-smoke.sh [model.gguf]   (default: the random ~168M-parameter f16 model of bench:smoke)
# Prints one summary block; exits non-zero when the GPU run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=(node bin/llamagate.js)

echo "== machine"
if ! command -v nvidia-smi >/dev/null; then echo "nvidia-smi not found: no NVIDIA driver here" >&2; exit 1; fi
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv,noheader
node --version
ls -d node_modules/@node-llama-cpp/linux-x64-* 2>/dev/null | sed 's|node_modules/||' || true

echo "== doctor"
"${CLI[@]}" doctor --json | node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8")); for (const c of j.checks) if (c.name==="gpu") console.log(c.status, c.detail)'

GGUF="${1:-$(node scripts/bench-smoke.mjs --make-model)}"
echo "== model: $GGUF ($(du -h "$GGUF" | cut -f1))"

# Peak VRAM seen by nvidia-smi while the GPU run is going (the smoke test also reports its own delta).
peak_file=$(mktemp)
echo 0 >"$peak_file"
( while sleep 0.2; do
    used=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -1)
    [ "$used" -gt "$(cat "$peak_file")" ] && echo "$used" >"$peak_file"
  done ) &
sampler=$!
trap 'kill $sampler 2>/dev/null || true; rm -f "$peak_file"' EXIT

gpu_json=$("${CLI[@]}" smoke-test "$GGUF" --device gpu --no-reference --max-tokens 128 --json) || {
  echo "GPU run failed:"; echo "$gpu_json"; exit 1; }
kill $sampler 2>/dev/null || true
cpu_json=$("${CLI[@]}" smoke-test "$GGUF" --device cpu --no-reference --max-tokens 128 --json)

node -e '
const [g, c, peak] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2]), Number(process.argv[3])];
const mib = (b) => (b / 2 ** 20).toFixed(0) + " MiB";
console.log("== result");
console.log(`backend chosen: ${g.backend} (${g.device})`);
console.log(`VRAM: ${mib(g.memory.deviceBytes)} used by the run (llama.cpp), peak ${peak} MiB on the card (nvidia-smi)`);
console.log(`GPU: ${g.tokensPerSecond.toFixed(1)} tokens/s, load ${g.loadSeconds.toFixed(2)} s, first token ${g.firstTokenSeconds.toFixed(3)} s`);
console.log(`CPU: ${c.tokensPerSecond.toFixed(1)} tokens/s, load ${c.loadSeconds.toFixed(2)} s, ${c.threads} threads`);
console.log(`GPU / CPU tokens/s: ${(g.tokensPerSecond / c.tokensPerSecond).toFixed(2)}x`);
console.log(`same tokens on GPU and CPU: ${JSON.stringify(g.tokens) === JSON.stringify(c.tokens)}`);
' "$gpu_json" "$cpu_json" "$(cat "$peak_file")"
