/**
 * JSON Schema (draft-07) of a provision manifest. docs/provision.schema.json is this object, written out
 * (a test keeps the two equal). Field names are part of the interface: only ever add.
 */
export const PROVISION_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://llamagate.dev/schemas/provision.schema.json",
  title: "llamagate provision manifest",
  type: "object",
  additionalProperties: false,
  required: ["models"],
  properties: {
    license: {
      description: "The organisation profile the license check runs with (same meaning as the download flags).",
      type: "object",
      additionalProperties: false,
      properties: {
        mau: { description: "Monthly active users (number, or text such as 750M).", type: ["number", "string"] },
        affiliatesMau: { description: "Affiliates' monthly active users.", type: ["number", "string"] },
        region: { description: "ISO 3166-1 alpha-2 code or EU.", type: "string" },
        uses: {
          description: "Intended uses (see `llamagate license check --help`).",
          type: "array",
          items: { type: "string" },
        },
        endUser: { description: "End user of a product incorporating the model (EU clause).", type: "boolean" },
        acceptLicense: { description: "Accept the license terms (recorded in the audit log).", type: "boolean" },
        profile: {
          description: "Path of an organisation profile JSON file; the fields above override it.",
          type: "string",
        },
        override: { description: "Proceed although the check blocks; the reason is recorded.", type: "string" },
      },
    },
    concurrency: {
      description: "Models provisioned at once (the --concurrency flag wins).",
      type: "integer",
      minimum: 1,
      maximum: 16,
    },
    models: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "source"],
        properties: {
          name: {
            description: "Catalog name (meta), org/repo or catalog name (hf), or <registry>/<repo>:<tag> (oci).",
            type: "string",
            minLength: 1,
          },
          source: { enum: ["meta", "hf", "oci"] },
          metaUrlEnv: {
            description: "meta: NAME of the environment variable holding the signed URL (never the URL itself).",
            type: "string",
            pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
          },
          revision: { description: "hf: branch, tag or commit.", type: "string", minLength: 1 },
          include: { description: "hf: globs of files to fetch.", type: "array", items: { type: "string" } },
          exclude: { description: "hf: globs of files to leave out.", type: "array", items: { type: "string" } },
          dir: {
            description: "Destination: meta --dir, hf --local-dir (default: the HF cache), oci --dir (required).",
            type: "string",
            minLength: 1,
          },
          convert: {
            description: 'Outputs to produce: "hf", "gguf" or "gguf:<f32|f16|bf16|q8_0>".',
            type: "array",
            items: { type: "string", pattern: "^(hf|gguf)(:(f32|f16|bf16|q8_0))?$" },
          },
          smokeTest: { description: "Run a smoke test on the GGUF output.", type: "boolean" },
          plainHttp: { description: "oci: talk http:// to a loopback/test registry.", type: "boolean" },
          sign: {
            description:
              "meta, hf (with dir): sign what was downloaded and verified (model.sig in the model folder) with the ECDSA private key (PEM) held in the environment variable this names.",
            type: "object",
            additionalProperties: false,
            required: ["privateKeyEnv"],
            properties: {
              privateKeyEnv: {
                description:
                  "NAME of the environment variable holding the private key's PEM text (never the key itself).",
                type: "string",
                pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
              },
            },
          },
          signature: {
            description:
              "oci: require the model's attached OMS signature to verify before anything is placed (pull --require-signature): the signer's public key, or the CA certificates to trust.",
            type: "object",
            additionalProperties: false,
            properties: {
              publicKey: { description: "Path of the signer's ECDSA public key (PEM).", type: "string", minLength: 1 },
              certificateChain: {
                description: "Paths of the CA certificates to trust (PEM).",
                type: "array",
                minItems: 1,
                items: { type: "string", minLength: 1 },
              },
            },
            oneOf: [{ required: ["publicKey"] }, { required: ["certificateChain"] }],
          },
        },
        allOf: [
          {
            if: { required: ["source"], properties: { source: { const: "meta" } } },
            then: { required: ["metaUrlEnv"] },
          },
          { if: { required: ["source"], properties: { source: { const: "oci" } } }, then: { required: ["dir"] } },
        ],
      },
    },
  },
} as const;
