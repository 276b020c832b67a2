import { readFileSync } from "node:fs";
import { Command } from "commander";
import { projectPath } from "../core/paths";
import { cfsLayerCommand } from "./commands/cfs-layer";
import { doctorCommand } from "./commands/doctor";
import { genRolesCommand } from "./commands/gen-roles";
import { initCommand } from "./commands/init";
import { inventoryCommand } from "./commands/inventory";
import { splitCommand } from "./commands/split";
import { subidCommand } from "./commands/subid";
import { fail } from "./fail";

// The program and nothing else: each command (cli/commands/) owns its flags, its typed
// options and its action, and loads the heavy modules inside the action, so that `--version`
// and `--help` stay fast.

/** In the order `--help` lists them. */
const COMMANDS = [
  inventoryCommand,
  splitCommand,
  cfsLayerCommand,
  subidCommand,
  doctorCommand,
  initCommand,
  genRolesCommand,
] as const;

export function buildProgram(): Command {
  const version = (
    JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as { version: string }
  ).version;
  const program = new Command("uan-k3s")
    .description(
      "Configure UANs for K3s from SLS and HSM: inventory, subnet split, roles, CFS layer.",
    )
    .version(version)
    .showHelpAfterError();
  for (const addCommand of COMMANDS) addCommand(program);
  return program;
}

export function run(): void {
  buildProgram().parseAsync(process.argv).catch(fail);
}
