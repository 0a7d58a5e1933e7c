/**
 * OCI 1.1 referrers, pure parts: the referrer manifest has the shape image-spec 1.1 defines for an artifact with no
 * config (empty descriptor, artifactType, subject), and a referrers index from a registry keeps only well-formed
 * descriptors.
 */
import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import { buildReferrerManifest } from "../../../src/sources/oci/build-referrer-manifest.js";
import { parseReferrersIndex } from "../../../src/sources/oci/read-referrers-tag-index.js";

const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

it("a referrer manifest: empty config, artifactType, the file as its one layer, subject = the model manifest", () => {
  const subject = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha("model"), size: 5 };
  const bytes = Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
  const r = buildReferrerManifest({
    subject,
    artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    bytes,
    fileName: "model.sig",
    createdAt: "2026-01-01T00:00:00.000Z",
  });
  const m = JSON.parse(r.manifest.toString("utf8"));
  expect(r.digest).toBe(sha(r.manifest));
  expect(m).toEqual({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    // image-spec 1.1's empty descriptor: the two bytes "{}".
    config: {
      mediaType: "application/vnd.oci.empty.v1+json",
      digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
      size: 2,
    },
    layers: [
      {
        mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
        digest: sha(bytes),
        size: bytes.length,
        annotations: { "org.opencontainers.image.title": "model.sig" },
      },
    ],
    subject,
    annotations: { "org.opencontainers.image.created": "2026-01-01T00:00:00.000Z" },
  });
  expect(r.config.toString()).toBe("{}");
});

it("a referrers index keeps well-formed descriptors only, and refuses what is not an index", () => {
  const good = {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: sha("a"),
    size: 10,
    artifactType: "x",
  };
  const index = parseReferrersIndex(
    Buffer.from(
      JSON.stringify({
        manifests: [good, { digest: "sha256:../../etc", size: 1 }, { digest: sha("b"), size: -1 }, null, "str"],
      }),
    ),
    false,
    "referrers list",
  );
  expect(index.manifests).toEqual([good]);
  expect(() => parseReferrersIndex(Buffer.from("nope"), false, "referrers list")).toThrow(/not JSON/);
  expect(() => parseReferrersIndex(Buffer.from("{}"), false, "referrers list")).toThrow(/no manifests list/);
  expect(() => parseReferrersIndex(Buffer.from("{}"), true, "referrers list")).toThrow(/larger than 4 MiB/);
});
