import { Option, type Command } from "commander";
import { UserError } from "../../core/errors";
import { writeStdout, type Log } from "../../core/log";
import { addSourceOptions, type Flags } from "../flags";
import { addHelpFooter } from "../help";
import type { InventoryRequest } from "../inventory";
import { commandLog } from "../output";
import { loadSettings } from "../settings";

type InventoryFlags = Flags & {
  readonly list?: true;
  readonly host?: string;
  readonly graph?: true;
  readonly format?: "text" | "json" | "yaml";
  /** Deprecated spelling of `--list --format yaml`. */
  readonly export?: "yaml";
  readonly output?: string;
};

/** `uan-k3s inventory`: the inventory-script protocol, or a static export. */
export function inventoryCommand(program: Command): Command {
  const command = addSourceOptions(
    program
      .command("inventory")
      .description(
        "print the Ansible inventory built from SLS and HSM (the inventory-script protocol)",
      )
      .option("--list", "print every group and _meta.hostvars (JSON; -o yaml: a static inventory)")
      .option("--host <name>", "print one host's variables (xname or alias) as JSON; {} if unknown")
      .option("--graph", "print the groups as ansible-inventory --graph does, and the all vars")
      .addOption(
        new Option(
          "-o, --format <format>",
          "json (--list, --host), yaml (--list: a static inventory), text (--graph)",
        ).choices(["text", "json", "yaml"]),
      )
      .addOption(new Option("--export <format>").choices(["yaml"]).hideHelp())
      .option("--output <file>", "with --list -o yaml: write the file (atomically), not stdout"),
    { inventory: true },
  ).action(async (flags: InventoryFlags) => {
    const log = commandLog(flags, process.env);
    const request = inventoryRequest(flags, log);
    const { config, settings } = loadSettings(flags, process.env);
    const { runInventory } = await import("../inventory");
    await runInventory(request, settings, config, log, writeStdout);
  });
  return addHelpFooter(command, [
    "uan-k3s inventory --graph",
    "uan-k3s inventory --host uan01",
    "uan-k3s inventory --list -o yaml --output inventory.yml   # for CFS additional_inventory",
    "uan-k3s inventory --list --scope k3s --sls-file sls.json --hsm-file hsm-groups.json",
  ]);
}

function inventoryRequest(flags: InventoryFlags, log: Log): InventoryRequest {
  if (flags.export !== undefined) {
    // Kept from before 0.2 so that scripts keep working; the one spelling is --format.
    log.warn("--export yaml is deprecated; use --list --format yaml");
    if (flags.list === undefined && flags.format === undefined)
      return inventoryRequest({ ...flags, export: undefined, list: true, format: "yaml" }, log);
  }
  const chosen = [flags.list, flags.host, flags.graph, flags.export].filter(
    (flag) => flag !== undefined,
  );
  if (chosen.length !== 1) {
    throw new UserError(
      "give exactly one of --list, --host NAME or --graph",
      "see `uan-k3s inventory --help`",
    );
  }
  const format = flags.format ?? (flags.graph === true ? "text" : "json");
  const allowed =
    flags.list === true ? ["json", "yaml"] : flags.host !== undefined ? ["json"] : ["text"];
  if (!allowed.includes(format)) {
    const what = flags.list === true ? "--list" : flags.host !== undefined ? "--host" : "--graph";
    throw new UserError(`${what} prints ${allowed.join(" or ")}, not ${format}`);
  }
  if (flags.output !== undefined && format !== "yaml") {
    throw new UserError("--output goes with --list --format yaml");
  }
  if (format === "yaml") return { kind: "export", output: flags.output };
  if (flags.list === true) return { kind: "list" };
  if (flags.host !== undefined) return { kind: "host", name: flags.host };
  return { kind: "graph" };
}
