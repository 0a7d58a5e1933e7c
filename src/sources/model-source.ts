/**
 * One interface for every place a model comes from (issue 16 §2, DESIGN.md "Pipeline"): `meta`, `hf`, `oci` and
 * `bundle` each check, plan and fetch. A dry run is check + plan, then stop (`discard`); a real run is check + plan +
 * fetch. Each step is an async iterator of the source's own progress events whose return value is the step's
 * result, so a caller that stops after the plan has seen exactly what the real run would have shown up to there,
 * and got the same errors.
 */

/** The sources llamagate fetches models from. */
export type SourceKind = "meta" | "hf" | "oci" | "bundle";

/** What every plan says, whatever the source (a dry run's report). */
export interface SourcePlanFacts {
  /** Files the run puts in place. */
  files: number;
  /** Bytes still to fetch or write (files already here excluded where the source can tell). */
  bytesNeeded: number;
}

export interface ModelSource<Params, Checked, Plan extends SourcePlanFacts, Event, Result> {
  readonly kind: SourceKind;
  /**
   * True when `check` makes no request (Meta: the link's shape, expiry and family): a caller may run it before the
   * license gate, so a bad link is reported before anyone answers license questions. Otherwise it runs after.
   */
  readonly checkIsOffline: boolean;
  /** License facts, access and link validity; throws the source's own typed errors. */
  check(params: Params): AsyncGenerator<Event, Checked>;
  /** Files, bytes and what is already here; writes nothing and fetches no file byte. Throws what the real run would. */
  plan(checked: Checked): AsyncGenerator<Event, Plan>;
  /** The transfer, through the one engine, continuing from the plan; releases what the plan holds. */
  fetch(plan: Plan): AsyncGenerator<Event, Result>;
  /** Releases what a plan holds open (a registry session) when the run stops after it (a dry run). */
  discard(plan: Plan): Promise<void>;
}
