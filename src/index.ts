// The public library API: named exports only. package.json "exports" points here; everything else is internal.
export { evaluateLicense } from "./license/evaluate-license.js";
export { runPipeline, runPipelineIter } from "./pipeline/run-pipeline.js";
export type {
  RunPipelineParams,
  PipelineEvent,
  PipelineSummary,
  PipelineSource,
  StageName,
} from "./pipeline/pipeline-types.js";
export type { SmokeStage, SmokeStageParams, SmokeStageResult, SmokeStageEvent } from "./pipeline/smoke-stage.js";
export { findModel } from "./catalog/find-model.js";
