/** The command-line flags a stage's hint may name, as the provision manifest (or provision's flags) spells them. */
const FLAG_TO_MANIFEST: readonly [RegExp, string][] = [
  [/--license-override\b/g, "license.override"],
  [/--affiliates-mau\b/g, "license.affiliatesMau"],
  [/--mau\b/g, "license.mau"],
  [/--region\b/g, "license.region"],
  [/--profile\b/g, "license.profile"],
  [/--use\b/g, "license.uses"],
  [/--revision\b/g, "the model's revision field"],
  [/--include\b/g, "the model's include field"],
  [/--exclude\b/g, "the model's exclude field"],
  [/--local-dir\b|--dir\b/g, "the model's dir field"],
  [/--plain-http\b/g, "plainHttp: true"],
  [/--token(?:-stdin)?\b/g, "`llamagate login`"],
];

/** A hint in provision's words: flags provision does not accept become the manifest fields that do the same. */
export function provisionHint(hint: string): string {
  let out = hint;
  for (const [flag, field] of FLAG_TO_MANIFEST) out = out.replace(flag, field);
  return out;
}
