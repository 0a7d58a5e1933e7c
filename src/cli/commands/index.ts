import type { LazyCommand } from "../command.js";

/**
 * Every command, in the order `--help` lists them: its name, the one line the top-level help shows, and how to load
 * its implementation. Only the command being run is imported (start-up stays fast); adding a command is one line.
 */
export const COMMANDS: readonly LazyCommand[] = [
  {
    name: "models",
    summary: "List the models llamagate knows",
    load: async () => (await import("./models.js")).registerModelsCommand,
  },
  {
    name: "license",
    summary: "Check the Llama license terms for your organisation, show them, list acceptances",
    load: async () => (await import("./license.js")).registerLicenseCommand,
  },
  {
    name: "download",
    summary: "Download models (Meta signed URL or Hugging Face), license-checked, resumable, verified",
    load: async () => (await import("./download.js")).registerDownloadCommand,
  },
  {
    name: "verify",
    summary: "Check every checklist.chk / tokenizer_checklist.chk under a folder",
    load: async () => (await import("./verify.js")).registerVerifyCommand,
  },
  {
    name: "sign",
    summary: "Sign a model (OpenSSF model signing: every file's sha256, ECDSA key or certificate)",
    load: async () => (await import("./sign.js")).registerSignCommand,
  },
  {
    name: "bom",
    summary: "Write a CycloneDX ML-BOM of models: file hashes, license with the recorded acceptance, lineage",
    load: async () => (await import("./bom.js")).registerBomCommand,
  },
  {
    name: "convert",
    summary: "Convert a Meta checkpoint or Hugging Face snapshot to HF safetensors or GGUF",
    load: async () => (await import("./convert.js")).registerConvertCommand,
  },
  {
    name: "setup",
    summary: "The whole flow in one command: license, download, verify, convert, smoke test (a wizard on a TTY)",
    load: async () => (await import("./setup.js")).registerSetupCommand,
  },
  {
    name: "smoke-test",
    summary: "Prove the weights run here: llama.cpp on the GPU (else CPU), cross-checked",
    load: async () => (await import("./smoke-test.js")).registerSmokeTestCommand,
  },
  {
    name: "push",
    summary: "Push a verified model folder to an OCI registry as a ModelPack artifact",
    load: async () => (await import("./push.js")).registerPushCommand,
  },
  {
    name: "pull",
    summary: "Pull a ModelPack artifact from an OCI registry, license-checked and verified",
    load: async () => (await import("./pull.js")).registerPullCommand,
  },
  {
    name: "pack",
    summary: "Pack a verified model folder into an air-gapped bundle (tar)",
    load: async () => (await import("./pack.js")).registerPackCommand,
  },
  {
    name: "unpack",
    summary: "Unpack an air-gapped bundle, verifying every file while extracting",
    load: async () => (await import("./unpack.js")).registerUnpackCommand,
  },
  {
    name: "provision",
    summary: "Provision every model of a manifest: license, download, verify, convert, smoke test",
    load: async () => (await import("./provision.js")).registerProvisionCommand,
  },
  {
    name: "login",
    summary: "Store a Hugging Face access token (checked with the Hub first)",
    load: async () => (await import("./login.js")).registerLoginCommand,
  },
  {
    name: "logout",
    summary: "Remove the Hugging Face token llamagate stored",
    load: async () => (await import("./logout.js")).registerLogoutCommand,
  },
  {
    name: "whoami",
    summary: "Show the Hugging Face account and token in use",
    load: async () => (await import("./whoami.js")).registerWhoamiCommand,
  },
  {
    name: "demo",
    summary: "Show the whole flow offline against a built-in local CDN (no account needed)",
    load: async () => (await import("./demo.js")).registerDemoCommand,
  },
  {
    name: "doctor",
    summary: "Check this machine: Node, disk, keychain, GPU backends, Hugging Face token",
    load: async () => (await import("./doctor.js")).registerDoctorCommand,
  },
];
