import { LAYER_CODE, LAYER_DOC, LAYER_WEIGHT, LAYER_WEIGHT_CONFIG } from "./media-types.js";

/**
 * The ModelPack layer media type of one model file, from its path: weights (.safetensors, .pth, .gguf,
 * .bin, .pt), documents (LICENSE, USE_POLICY, README, *.md, *.txt), code (*.py), and everything else
 * (config.json, params.json, tokenizer files, checklists) as weight configuration.
 */
export function classifyModelFile(path: string): string {
  const base = path.split("/").pop()!.toLowerCase();
  if (/\.(safetensors|pth|pt|gguf|bin|ckpt)$/.test(base)) return LAYER_WEIGHT;
  if (
    /^(license|licence|use_policy|readme|notice|responsible_use_guide)(\b|[._-])/.test(base) ||
    /\.(md|txt|pdf)$/.test(base)
  )
    return LAYER_DOC;
  if (/\.(py|ipynb|sh)$/.test(base)) return LAYER_CODE;
  return LAYER_WEIGHT_CONFIG;
}
