import type { CommandRegistrar } from "../command.js";
import { registerDemoCommand } from "./demo.js";
import { registerDownloadHfCommand } from "./download-hf.js";
import { registerDownloadCommand } from "./download.js";
import { registerLoginCommand } from "./login.js";
import { registerLogoutCommand } from "./logout.js";
import { registerModelsCommand } from "./models.js";
import { registerVerifyCommand } from "./verify.js";
import { registerWhoamiCommand } from "./whoami.js";

/** Every command, in the order `--help` lists them. One file per command. */
export const COMMANDS: readonly CommandRegistrar[] = [
  registerModelsCommand,
  registerDownloadCommand,
  registerDemoCommand,
  registerVerifyCommand,
  registerLoginCommand,
  registerLogoutCommand,
  registerWhoamiCommand,
  // Hidden: `download --source hf` until the download command dispatches to runHfDownload.
  registerDownloadHfCommand,
];
