import type { Command } from "commander";
import { USES } from "../index.js";

/** The license flags as commander parses them (camel-cased). */
export interface LicenseCliOptions {
  acceptLicense?: boolean;
  mau?: string;
  affiliatesMau?: string;
  region?: string;
  endUser?: boolean;
  use?: string[];
  profile?: string;
  derivativeName?: string;
  licenseOverride?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The inputs of the license check, shared by `license check` and the commands that fetch weights. */
export function licenseInputOptions<C extends Command>(cmd: C): C {
  cmd
    .option("--mau <n>", "monthly active users of your products/services (e.g. 1500000, 750M, 1.2B)")
    .option("--affiliates-mau <n>", "monthly active users of your affiliates (added to --mau for the 700M threshold)")
    .option("--region <code>", "country of domicile / principal place of business: ISO 3166 alpha-2 code or EU")
    .option("--end-user", "you are an end user of a product that incorporates the model (EU multimodal exception)")
    .option("--use <use>", `intended use, repeatable or comma-separated: ${USES.join(", ")}`, collect, [])
    .option("--profile <file>", "organisation profile JSON (mau, affiliatesMau, region, uses, ...); flags override it")
    .option("--accept-license", "accept the license terms without a prompt (recorded in the audit log)");
  return cmd;
}

/**
 * Add the license flags to any command that fetches weights: the check inputs, --accept-license and
 * --license-override. Map the parsed options with licenseGateParams() and call licenseGate() before
 * the first request.
 */
export function licenseOptions<C extends Command>(cmd: C): C {
  licenseInputOptions(cmd).option(
    "--license-override <reason>",
    "proceed although the license check blocks (e.g. Meta granted you a license); the reason is recorded in the audit log",
  );
  return cmd;
}
