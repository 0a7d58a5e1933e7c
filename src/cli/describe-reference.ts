/** What describeReference needs of a cross-check result (the smoke test's, or the pipeline stage's). */
interface ReferenceStats {
  weights: string;
  klMean: number;
  klMax: number;
  topTokenAgreement: number;
  perplexityRatio?: number;
  comparedPositions?: number;
  limits?: { klMean: number; klMax: number; measured: boolean };
}

/** One line: what the reference ran on and the KL statistics, named as llama.cpp's perplexity tool names them. */
export function describeReference(ref: ReferenceStats): string {
  const on = ref.weights === "source" ? "the original weights" : "the GGUF's own weights";
  const n = ref.comparedPositions;
  const agree =
    n === undefined ? `${(ref.topTokenAgreement * 100).toFixed(0)}%` : `${Math.round(ref.topTokenAgreement * n)}/${n}`;
  const limit = (x: number | undefined) => (x === undefined ? "" : ` (limit ${fmt(x)})`);
  const lenient = ref.limits && !ref.limits.measured ? "; lenient limits: no measurements for this weight type" : "";
  const ppl = ref.perplexityRatio === undefined ? "" : `, PPL ratio ${ref.perplexityRatio.toFixed(4)}`;
  return (
    `reference on ${on}${n === undefined ? "" : ` (${n} positions)`}: mean KLD ${fmt(ref.klMean)}${limit(ref.limits?.klMean)}, ` +
    `max KLD ${fmt(ref.klMax)}${limit(ref.limits?.klMax)}, same top token ${agree}${ppl}${lenient}`
  );
}

function fmt(x: number): string {
  return x === 0 ? "0" : x < 1e-3 ? x.toExponential(2) : x.toPrecision(3);
}
