import type { CommandRegistrar } from "../command.js";
import { registerDownloadHfCommand } from "./download-hf.js";
import { registerLoginCommand } from "./login.js";
import { registerLogoutCommand } from "./logout.js";
import { registerModelsCommand } from "./models.js";
import { registerVerifyCommand } from "./verify.js";
import { registerWhoamiCommand } from "./whoami.js";

/** Every command, in the order `--help` lists them. One file per command. */
export const COMMANDS: readonly CommandRegistrar[] = [
  registerModelsCommand,
  registerVerifyCommand,
  registerLoginCommand,
  registerLogoutCommand,
  registerWhoamiCommand,
  registerDownloadHfCommand,
];
