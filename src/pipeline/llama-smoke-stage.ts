import { smokeTestIter } from "../infer/smoke-test/smoke-test.js";
import { checkSourceVocab } from "./check-source-vocab.js";
import type { SmokeStage } from "./smoke-stage.js";

/** The library's smoke test (node-llama-cpp, with the reference cross-check) as the pipeline's smoke stage. */
export const llamaSmokeStage: SmokeStage = async function* (p) {
  if (p.sourceDir !== undefined && p.reference !== false) {
    await checkSourceVocab({ gguf: p.path, sourceDir: p.sourceDir, ...(p.signal ? { signal: p.signal } : {}) });
  }
  const it = smokeTestIter({
    gguf: p.path,
    ...(p.sourceDir !== undefined ? { sourceDir: p.sourceDir } : {}),
    ...(p.prompt !== undefined ? { prompt: p.prompt } : {}),
    ...(p.maxTokens !== undefined ? { maxTokens: p.maxTokens } : {}),
    ...(p.device !== undefined ? { device: p.device } : {}),
    ...(p.reference !== undefined ? { reference: p.reference } : {}),
    ...(p.env ? { env: p.env } : {}),
    ...(p.signal ? { signal: p.signal } : {}),
  });
  for (;;) {
    const r = await it.next();
    if (r.done) {
      const { ok: _ok, gguf: _gguf, ...result } = r.value;
      return result;
    }
    const e = r.value;
    if (e.type === "backend")
      yield {
        type: "smoke-phase",
        phase: `backend: ${e.backend}${e.device ? ` (${e.device})` : ""}${e.note ? `; ${e.note}` : ""}`,
      };
    else if (e.type === "loaded") yield { type: "smoke-phase", phase: "generate" };
    else if (e.type === "token") yield { type: "smoke-token", index: e.index, text: e.text };
    else if (e.type === "reference" && e.phase === "start") yield { type: "smoke-phase", phase: "reference" };
    else if (e.type === "warning") yield { type: "smoke-phase", phase: `warning: ${e.message}` };
  }
};
