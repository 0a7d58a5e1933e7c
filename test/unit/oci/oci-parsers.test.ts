import { describe, expect, it } from "vitest";
import { buildModelArtifact } from "../../../src/sources/oci/build-model-artifact.js";
import { parseModelManifest } from "../../../src/sources/oci/parse-model-artifact.js";
import { parseOciReference } from "../../../src/sources/oci/parse-oci-reference.js";
import { parseWwwAuthenticate } from "../../../src/sources/oci/parse-www-authenticate.js";

const H = "a".repeat(64);

describe("parseOciReference", () => {
  it("splits registry, repository, tag and digest", () => {
    expect(parseOciReference("127.0.0.1:5000/models/llama-2-7b:v1")).toMatchObject({
      registry: "127.0.0.1:5000",
      repository: "models/llama-2-7b",
      tag: "v1",
      reference: "v1",
    });
    expect(parseOciReference("reg.example.com/a/b")).toMatchObject({ tag: "latest" });
    expect(parseOciReference(`localhost/a@sha256:${H}`)).toMatchObject({
      registry: "localhost",
      digest: `sha256:${H}`,
      reference: `sha256:${H}`,
    });
  });
  it.each([
    "llama-2-7b:v1",
    "http://reg.example.com/a:b",
    "reg.example.com/A/b:1",
    "reg.example.com/a:-bad",
    "reg.example.com/a@sha256:xyz",
  ])("refuses %s", (r) => {
    expect(() => parseOciReference(r)).toThrow(/not a registry reference/);
  });
});

describe("parseWwwAuthenticate", () => {
  it("reads Bearer and Basic challenges", () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.example.com/token",
          service: "registry.example.com",
          scope: "repository:a/b:pull,push",
        },
      },
    ]);
    expect(parseWwwAuthenticate('Basic realm="x"')).toEqual([{ scheme: "basic", params: { realm: "x" } }]);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
  });
});

describe("parseModelManifest (untrusted)", () => {
  const art = buildModelArtifact({
    files: [
      { path: "b/model.safetensors", size: 3, sha256: H },
      { path: "LICENSE", size: 1, sha256: "b".repeat(64) },
    ],
    model: { name: "x", licenseFamily: "llama3.1" },
    createdAt: "2026-01-01T00:00:00.000Z",
  });
  it("round-trips what buildModelArtifact writes, in path order", () => {
    const p = parseModelManifest(art.manifest, "r");
    expect(p.layers.map((l) => l.path)).toEqual(["LICENSE", "b/model.safetensors"]);
    expect(p.configDigest).toBe(art.configDescriptor.digest);
  });
  const withPath = (path: string, extra: object = {}) => {
    const m = JSON.parse(art.manifest.toString());
    m.layers[0].annotations["org.cncf.model.filepath"] = path;
    Object.assign(m.layers[0], extra);
    return Buffer.from(JSON.stringify(m));
  };
  it.each(["/etc/passwd", "../x", "a/../../x", "a//b", "./a", "C:/x", "a\\b"])("refuses the path %s", (p) => {
    expect(() => parseModelManifest(withPath(p), "r")).toThrow(/not a model artifact/);
  });
  it("refuses duplicate paths, a file inside a file, bad sizes and digests, tar layers, non-model artifacts", () => {
    expect(() => parseModelManifest(withPath("b/model.safetensors"), "r")).toThrow(/twice/);
    expect(() => parseModelManifest(withPath("b"), "r")).toThrow(/inside the file/);
    expect(() => parseModelManifest(withPath("L", { size: -1 }), "r")).toThrow(/size/);
    expect(() => parseModelManifest(withPath("L", { digest: "md5:00" }), "r")).toThrow(/digest/);
    expect(() =>
      parseModelManifest(withPath("L", { mediaType: "application/vnd.cncf.model.weight.v1.tar" }), "r"),
    ).toThrow(/single-file/);
    const img = JSON.parse(art.manifest.toString());
    delete img.artifactType;
    img.config.mediaType = "application/vnd.oci.image.config.v1+json";
    expect(() => parseModelManifest(Buffer.from(JSON.stringify(img)), "r")).toThrow(/artifact type/);
    expect(() => parseModelManifest(Buffer.from("{"), "r")).toThrow(/not JSON/);
  });
});
