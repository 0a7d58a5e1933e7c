// The public library API: named exports only. package.json "exports" points here; everything else is internal.
export { evaluateLicense } from "./license/evaluate-license.js";
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
