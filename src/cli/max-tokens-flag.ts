import { intFlag } from "./int-flag.js";

/**
 * The one parser of `--max-tokens` (smoke-test, setup, demo): a whole number from 1 to 4096, else a usage error
 * (exit 2) naming the flag. One rule, so that a value one command refuses is refused by all of them.
 */
export const maxTokensFlag = intFlag("--max-tokens", 1, 4096);
