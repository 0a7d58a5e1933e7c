import type { CommandRegistrar } from "../command.js";
import { registerDemoCommand } from "./demo.js";
import { registerDownloadCommand } from "./download.js";
import { registerModelsCommand } from "./models.js";
import { registerVerifyCommand } from "./verify.js";

/** Every command, in the order `--help` lists them. One file per command. */
export const COMMANDS: readonly CommandRegistrar[] = [registerModelsCommand, registerDownloadCommand, registerDemoCommand, registerVerifyCommand];
