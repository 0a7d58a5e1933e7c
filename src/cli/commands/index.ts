import type { CommandRegistrar } from "../command.js";
import { registerConvertCommand } from "./convert.js";
import { registerDemoCommand } from "./demo.js";
import { registerDoctorCommand } from "./doctor.js";
import { registerDownloadCommand } from "./download.js";
import { registerLicenseCommand } from "./license.js";
import { registerLoginCommand } from "./login.js";
import { registerLogoutCommand } from "./logout.js";
import { registerModelsCommand } from "./models.js";
import { registerSetupCommand } from "./setup.js";
import { registerSmokeTestCommand } from "./smoke-test.js";
import { registerVerifyCommand } from "./verify.js";
import { registerWhoamiCommand } from "./whoami.js";

/** Every command, in the order `--help` lists them. One file per command. */
export const COMMANDS: readonly CommandRegistrar[] = [
  registerModelsCommand,
  registerLicenseCommand,
  registerDownloadCommand,
  registerVerifyCommand,
  registerConvertCommand,
  registerSetupCommand,
  registerSmokeTestCommand,
  registerLoginCommand,
  registerLogoutCommand,
  registerWhoamiCommand,
  registerDemoCommand,
  registerDoctorCommand,
];
