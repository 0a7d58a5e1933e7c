import { open } from "node:fs/promises";
import { posix } from "node:path";
import type { ReadEntry } from "tar";
import type { ErrorCode } from "../../core/error-codes.js";
import { InterruptedError } from "../../core/errors.js";
import { filesystemErrorFrom } from "../../core/fs/filesystem-error-from.js";
import {
  BUNDLE_MANIFEST_NAME,
  MAX_BUNDLE_MANIFEST_BYTES,
  parseBundleManifest,
  type BundleManifest,
} from "./bundle-manifest.js";
import { BundleError } from "./errors.js";
import { refuseCompressedBundle } from "./refuse-compressed-bundle.js";
import { bundleMemberRefusal, manifestNameRefusal } from "./bundle-member-refusal.js";

/**
 * A bundle's manifest alone (its first member), read and checked as extractBundle reads it, with the same errors
 * (compressed, unsafe or reserved names, links, special files, a first member that is not the manifest, a manifest
 * too large or invalid), without writing anything or reading past it: what a bundle carries and under which license,
 * before anything is unpacked. The members after it are checked by extractBundle, while it extracts them.
 */
export async function readBundleManifest(params: { bundle: string; signal?: AbortSignal }): Promise<BundleManifest> {
  const { bundle, signal } = params;
  const name = posix.basename(bundle);
  const fail = (code: ErrorCode, why: string) => new BundleError(code, `${name}: ${why}; refusing the bundle.`);
  const src = await open(bundle, "r").catch((e) => {
    throw filesystemErrorFrom(e, bundle, "read");
  });
  try {
    await refuseCompressedBundle(src, name);
    const { Parser } = await import("tar");
    const parser = new Parser({ strict: true });
    const errors: Error[] = [];
    const chunks: Buffer[] = [];
    // Set by the parser's callbacks: where the manifest member is.
    const at: { state: "before" | "reading" | "done" } = { state: "before" };
    parser.on("entry", (e: ReadEntry) => {
      if (at.state !== "before" || errors.length) return e.resume();
      const path = e.path.replace(/^\.\//, "");
      const refusal =
        bundleMemberRefusal(e, path, fail) ??
        (e.type === "Directory"
          ? undefined
          : path !== BUNDLE_MANIFEST_NAME
            ? fail("BUNDLE_MALFORMED", `the first member is ${path}, not ${BUNDLE_MANIFEST_NAME}`)
            : e.size > MAX_BUNDLE_MANIFEST_BYTES
              ? fail("BUNDLE_MALFORMED", "the manifest is too large")
              : undefined);
      if (refusal) errors.push(refusal);
      // A folder before the manifest is allowed (as extractBundle allows it); the manifest is the first file.
      if (refusal || e.type === "Directory") return e.resume();
      at.state = "reading";
      e.on("data", (c: Buffer) => chunks.push(Buffer.from(c)));
      e.on("end", () => (at.state = "done"));
    });
    parser.on("error", (e: Error) =>
      errors.push(fail("BUNDLE_MALFORMED", `it is not a readable tar archive (${e.message.slice(0, 160)})`)),
    );
    parser.on("warn", (code: string, message: string | Error) => {
      const text = `${code}: ${typeof message === "string" ? message : message.message}`;
      errors.push(fail("BUNDLE_MALFORMED", `it is not a readable tar archive (${text.slice(0, 160)})`));
    });
    const buf = Buffer.allocUnsafe(64 << 10);
    for (let pos = 0; at.state !== "done" && !errors.length;) {
      if (signal?.aborted) throw new InterruptedError();
      const { bytesRead } = await src.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) {
        parser.end();
        break;
      }
      pos += bytesRead;
      parser.write(Buffer.from(buf.subarray(0, bytesRead)));
    }
    if (errors.length) throw errors[0]!;
    if (at.state === "before") throw fail("BUNDLE_MALFORMED", `it has no ${BUNDLE_MANIFEST_NAME}`);
    if (at.state === "reading")
      throw fail("BUNDLE_CORRUPT_MEMBER", `the archive ends inside member ${BUNDLE_MANIFEST_NAME}`);
    const manifest = parseBundleManifest(Buffer.concat(chunks), name);
    const refusal = manifestNameRefusal(manifest, fail);
    if (refusal) throw refusal;
    return manifest;
  } finally {
    await src.close().catch(() => {});
  }
}
