export { openSafetensors, INDEX_FILE, type SafetensorsSource } from "./open-safetensors.js";
export { openSafetensorsFile, type SafetensorsFile } from "./open-safetensors-file.js";
export { parseSafetensorsHeader, MAX_HEADER_BYTES, type SafetensorsEntry } from "./parse-safetensors-header.js";
export { writeSafetensors, type TensorToWrite } from "./write-safetensors.js";
export { planShards, type ShardPlan } from "./plan-shards.js";
export { writeSafetensorsIndex } from "./write-safetensors-index.js";
