import type { LicenseCliOptions } from "../license-options.js";

export interface SetupCommandLineParams {
  model: string;
  source: "meta" | "hf";
  dir?: string;
  to: "hf" | "gguf" | "none";
  dtype?: string;
  smoke: boolean;
  /** false with --no-space-check. */
  spaceCheck?: boolean;
  /** The flags of this run (smoke-test settings). */
  opts: { prompt?: string; maxTokens?: number; device?: string; signKey?: string };
  /** The license answers, from flags or the wizard. */
  license: LicenseCliOptions;
  /** The link came from LLAMAGATE_META_URL (else a flag, stdin or the prompt). */
  metaUrlFromEnv: boolean;
}

/**
 * The non-interactive command that repeats a setup run: every answer as a flag, the license accepted by
 * flag (an identical acceptance is not recorded twice), and no secret: the Meta link is read from stdin
 * (`--meta-url -`) or LLAMAGATE_META_URL, the Hub token from HF_TOKEN or the stored login. It must run on another
 * machine too: license facts that came from an acceptance recorded here are passed in as flags.
 */
export function setupCommandLine(p: SetupCommandLineParams): string {
  const args = ["llamagate", "setup", p.model, "--source", p.source];
  if (p.source === "meta" && !p.metaUrlFromEnv) args.push("--meta-url", "-");
  if (p.dir !== undefined) args.push("--dir", p.dir);
  args.push("--to", p.to);
  if (p.spaceCheck === false) args.push("--no-space-check");
  if (p.dtype) args.push("--dtype", p.dtype.toLowerCase());
  if (p.opts.signKey !== undefined) args.push("--sign-key", p.opts.signKey);
  const l = p.license;
  if (l.mau !== undefined) args.push("--mau", l.mau);
  if (l.affiliatesMau !== undefined) args.push("--affiliates-mau", l.affiliatesMau);
  if (l.region !== undefined) args.push("--region", l.region);
  if (l.endUser) args.push("--end-user");
  for (const u of l.use ?? []) args.push("--use", u);
  if (l.profile !== undefined) args.push("--profile", l.profile);
  if (l.derivativeName !== undefined) args.push("--derivative-name", l.derivativeName);
  if (l.licenseOverride !== undefined) args.push("--license-override", l.licenseOverride);
  args.push("--accept-license");
  if (p.to !== "none" && !p.smoke) args.push("--no-smoke-test");
  if (p.smoke) {
    if (p.opts.prompt !== undefined) args.push("--prompt", p.opts.prompt);
    if (p.opts.maxTokens !== undefined) args.push("--max-tokens", String(p.opts.maxTokens));
    if (p.opts.device !== undefined) args.push("--device", p.opts.device);
  }
  return args.map(shellQuote).join(" ");
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
