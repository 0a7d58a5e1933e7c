/**
 * Media types and annotation keys of OCI artifacts in the CNCF ModelPack format
 * (modelpack/model-spec `specs-go/v1/mediatype.go`, `annotations.go`; see docs/oci.md).
 */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const MODEL_ARTIFACT = "application/vnd.cncf.model.manifest.v1+json";
export const MODEL_CONFIG = "application/vnd.cncf.model.config.v1+json";
export const LAYER_WEIGHT = "application/vnd.cncf.model.weight.v1.raw";
export const LAYER_WEIGHT_CONFIG = "application/vnd.cncf.model.weight.config.v1.raw";
export const LAYER_DOC = "application/vnd.cncf.model.doc.v1.raw";
export const LAYER_CODE = "application/vnd.cncf.model.code.v1.raw";
/** Where ModelPack keeps a layer's file path (relative to the model folder). */
export const ANNOTATION_FILEPATH = "org.cncf.model.filepath";
/** Generic OCI title annotation (ORAS and others read file names from it). */
export const ANNOTATION_TITLE = "org.opencontainers.image.title";
/** Legacy ModelPack key (before 2025-07), still read on pull. */
export const ANNOTATION_FILEPATH_LEGACY = "org.cnai.model.filepath";
/** Manifests and configs larger than this are refused (distribution's own limit is 4 MiB). */
export const MAX_METADATA_BYTES = 4 << 20;
/** The empty config blob `{}` of artifacts that carry no config (OCI image-spec 1.1). */
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";
/** artifactType of a referrer carrying an OpenSSF model signature (a Sigstore bundle, OMS v1.0). */
export const SIGNATURE_ARTIFACT = "application/vnd.dev.sigstore.bundle.v0.3+json";
/** artifactType of a referrer carrying a CycloneDX BOM (JSON). */
export const BOM_ARTIFACT = "application/vnd.cyclonedx+json";
