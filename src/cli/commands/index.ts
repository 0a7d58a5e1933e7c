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
    name: "convert",
    summary: "Convert a Meta checkpoint or Hugging Face snapshot to HF safetensors or GGUF",
    load: async () => (await import("./convert.js")).registerConvertCommand,
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
];
