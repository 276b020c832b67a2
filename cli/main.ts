import { Command } from "commander";
import { cfsLayerCommand } from "./commands/cfs-layer";
import { completionCommand } from "./commands/completion";
import { doctorCommand } from "./commands/doctor";
import { genRolesCommand } from "./commands/gen-roles";
import { initCommand } from "./commands/init";
import { inventoryCommand } from "./commands/inventory";
import { manCommand } from "./commands/man";
import { splitCommand } from "./commands/split";
import { subidCommand } from "./commands/subid";
import { fail } from "./fail";
import { addHelpFooter, seeHelp } from "./help";
import { addOutputOptions } from "./output";
import { versionText } from "./version";
import { writeStderr } from "../core/log";

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
  completionCommand,
  manCommand,
] as const;

export function buildProgram(): Command {
  const program = new Command("uan-k3s")
    .description(
      "Configure UANs for K3s from SLS and HSM: inventory, subnet split, roles, CFS layer.",
    )
    .version(versionText())
    // Commands inherit this: a usage error is one line and where to read more, not the help.
    .configureOutput({
      outputError: (text) => writeStderr(text.replace(/^error: /, "uan-k3s: error: ")),
    });
  program.showHelpAfterError(seeHelp(program));
  addHelpFooter(program, [
    "uan-k3s init && uan-k3s doctor",
    "uan-k3s split --kubectl --out split",
    "uan-k3s help split",
  ]);
  for (const addCommand of COMMANDS) {
    const command = addOutputOptions(addCommand(program));
    command.showHelpAfterError(seeHelp(command));
  }
  return program;
}

export function run(): void {
  buildProgram().parseAsync(process.argv).catch(fail);
}
