import { LICENSE_DISCLAIMER, type LicenseGateResult } from "../index.js";

/** The one line a fetching command prints after the license gate let it through, naming the model it is about. */
export function licenseGateLine(modelName: string, gate: LicenseGateResult): string {
  const ev = gate.evaluation;
  const obligations = ev.obligations.length
    ? `; ${ev.obligations.length} obligation(s): see \`llamagate license check ${modelName}\``
    : "";
  const override = gate.overridden ? `; verdict overridden (${gate.overridden})` : "";
  return (
    `License for ${modelName}: ${ev.licenseName} (version ${ev.licenseVersion}): ${ev.verdict} for ${ev.inputs.combinedMau.toLocaleString("en-US")} MAU` +
    `, accepted (${gate.acceptance.via})${obligations}${override}. (${LICENSE_DISCLAIMER})`
  );
}
