import { Option, type Command } from "commander";
import { UserError } from "../../core/errors";
import { stderrLog } from "../../core/log";
import { addSourceOptions, type Flags } from "../flags";
import type { InventoryRequest } from "../inventory";
import { loadSettings } from "../settings";

type InventoryFlags = Flags & {
  readonly list?: true;
  readonly host?: string;
  readonly graph?: true;
  readonly export?: "yaml";
  readonly output?: string;
};

/** `uan-k3s inventory`: the inventory-script protocol, or a static export. */
export function inventoryCommand(program: Command): Command {
  return addSourceOptions(
    program
      .command("inventory")
      .description(
        "print the Ansible inventory built from SLS and HSM (the inventory-script protocol)",
      )
      .option("--list", "print every group and _meta.hostvars as JSON")
      .option("--host <name>", "print one host's variables (xname or alias) as JSON; {} if unknown")
      .option("--graph", "print the groups as ansible-inventory --graph does, and the all vars")
      .addOption(
        new Option("--export <format>", "print a static inventory instead").choices(["yaml"]),
      )
      .option("--output <path>", "with --export: write the file (atomically) instead of stdout"),
    { inventory: true },
  ).action(async (flags: InventoryFlags) => {
    const request = inventoryRequest(flags);
    const { config, settings } = loadSettings(flags, process.env);
    const { runInventory } = await import("../inventory");
    await runInventory(request, settings, config, stderrLog, (text) => process.stdout.write(text));
  });
}

function inventoryRequest(flags: InventoryFlags): InventoryRequest {
  const chosen = [flags.list, flags.host, flags.graph, flags.export].filter(
    (flag) => flag !== undefined,
  );
  if (chosen.length !== 1) {
    throw new UserError("give exactly one of --list, --host NAME, --graph or --export yaml");
  }
  if (flags.output !== undefined && flags.export === undefined) {
    throw new UserError("--output goes with --export yaml");
  }
  if (flags.list === true) return { kind: "list" };
  if (flags.host !== undefined) return { kind: "host", name: flags.host };
  if (flags.graph === true) return { kind: "graph" };
  return { kind: "export", output: flags.output };
}
