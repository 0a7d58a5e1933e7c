import type { ModelSource, SourcePlanFacts } from "../sources/model-source.js";

/**
 * A source with its parameters bound, run the same way whatever its kind: each step runs once and goes on from
 * what the one before found. A dry run is `plan()` then `discard()`; a real run goes on to `fetch()`.
 */
export interface BoundSource<Event, Plan extends SourcePlanFacts, Out, Checked = unknown> {
  /** The source's check makes no request: a caller may run it before the license gate. */
  readonly checkIsOffline: boolean;
  /** The source's check; what it found (the license facts a gate run before the plan needs). */
  check(): AsyncGenerator<Event, Checked>;
  /** The check (unless run), then the source's plan. */
  plan(): AsyncGenerator<Event, Plan>;
  /** The plan (unless made), then the source's fetch; its result as the caller wants it. */
  fetch(): AsyncGenerator<Event, Out>;
  /** Stop after the plan: release what it holds (nothing once the fetch has begun: the fetch releases it). */
  discard(): Promise<void>;
}

/** Bind a source to its parameters (see BoundSource); `wrap` shapes the fetch's result for the caller. */
export function bindSource<Params, Checked, Plan extends SourcePlanFacts, Event, Result, Out>(
  source: ModelSource<Params, Checked, Plan, Event, Result>,
  params: Params,
  wrap: (result: Result) => Out,
): BoundSource<Event, Plan, Out, Checked> {
  let checked: { value: Checked } | undefined;
  let planned: Plan | undefined;
  let fetching = false;
  const check = async function* (): AsyncGenerator<Event, Checked> {
    checked ??= { value: yield* source.check(params) };
    return checked.value;
  };
  const plan = async function* (): AsyncGenerator<Event, Plan> {
    planned ??= yield* source.plan(yield* check());
    return planned;
  };
  return {
    checkIsOffline: source.checkIsOffline,
    check,
    plan,
    fetch: async function* () {
      const p = yield* plan();
      fetching = true;
      return wrap(yield* source.fetch(p));
    },
    discard: async () => {
      if (planned && !fetching) await source.discard(planned);
    },
  };
}
