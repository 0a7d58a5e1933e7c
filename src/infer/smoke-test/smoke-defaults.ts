/** What the smoke test generates from when the caller names nothing (the CLI's help shows the same values). */
export const DEFAULT_PROMPT = "Once upon a time";
export const DEFAULT_MAX_TOKENS = 16;
