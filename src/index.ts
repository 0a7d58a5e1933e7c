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
export { smokeTest, smokeTestIter } from "./infer/smoke-test/smoke-test.js";
export type {
  SmokeTestParams,
  SmokeTestResult,
  SmokeTestEvent,
  SmokeReferenceResult,
  SmokeDevice,
} from "./infer/smoke-test/types.js";
export { smokeTestModel, smokeTestModelIter } from "./pipeline/smoke-test-model.js";
export type { SmokeTestModelParams, SmokeTestModelResult, SmokeTestModelEvent } from "./pipeline/smoke-test-model.js";
export { probeBackends, type ProbeBackendsResult, type BackendProbe } from "./infer/smoke-test/probe-backends.js";
