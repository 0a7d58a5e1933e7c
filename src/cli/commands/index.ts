import type { CommandRegistrar } from "../command.js";
import { registerConvertCommand } from "./convert.js";
import { registerLicenseCommand } from "./license.js";
import { registerModelsCommand } from "./models.js";

/** Every command, in the order `--help` lists them. One file per command. */
export const COMMANDS: readonly CommandRegistrar[] = [registerModelsCommand, registerLicenseCommand, registerConvertCommand];
