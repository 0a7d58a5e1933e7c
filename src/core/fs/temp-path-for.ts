import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";

/**
 * An unpredictable temporary name beside `path` (same folder, so a rename onto `path` is atomic):
 * `.<name>.<pid>.<16 random hex>.<tag>`. Nobody else can guess it in advance, so nobody can plant a
 * link under it; create it with O_EXCL | O_NOFOLLOW (openRegularFile "create") all the same.
 */
export function tempPathFor(path: string, tag = "tmp"): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(8).toString("hex")}.${tag}`);
}
