import { InvalidArgumentError, Option, type Command } from "commander";
import { CONFIG_SETTING, SOURCE_SETTINGS } from "./settings";

/** The flags commander hands an action, by attribute name, as the user typed them. */
export type Flags = Readonly<Record<string, string | boolean | undefined>>;

/**
 * The flags commander hands the action of a command with typed options `Options`: the same
 * names, each boolean absent or `true`, each optional but the `Present` ones (a default or a
 * required option). The action still builds `Options` itself; this only spares restating it.
 */
export type FlagsFor<Options, Present extends keyof Options = never> = Flags & {
  readonly [K in keyof Options]?: Options[K] extends boolean ? true : Options[K];
} & { readonly [K in Present]-?: Options[K] };

/**
 * The flags every command that reads SLS or HSM takes: --config and the source settings; with
 * `inventory`, also those only the inventory uses (--scope, --verbose).
 */
export function addSourceOptions(command: Command, options?: { inventory: true }): Command {
  command.option(CONFIG_SETTING.flag, CONFIG_SETTING.description);
  for (const setting of SOURCE_SETTINGS) {
    if (setting.flag === undefined) continue;
    if (setting.inventoryOnly === true && options?.inventory !== true) continue;
    command.addOption(
      new Option(setting.flag, `${setting.description} (env ${setting.env.join(", ")})`),
    );
  }
  return command;
}

/** The flags of this run among `keys`, as the user typed them, to repeat in printed commands. */
export function rerunArgs(command: Command, keys: readonly string[]): string[] {
  const flags = command.opts<Flags>();
  return command.options.flatMap((option) => {
    const key = option.attributeName();
    const value = flags[key];
    if (!keys.includes(key) || value === undefined || command.getOptionValueSource(key) !== "cli")
      return [];
    return value === true ? [option.long as string] : [option.long as string, String(value)];
  });
}

/** The user networks a K3s split can go on. */
const USER_NETWORKS = ["CAN", "CHN"] as const;

/**
 * `--network NAME`: CAN or CHN in any case (`--network can`), handed on in SLS's spelling.
 * A bad value is a usage error naming the ones allowed.
 */
export function networkOption(description: string): Option {
  return new Option("--network <name>", description).argParser((value: string) => {
    const upper = value.toUpperCase();
    if ((USER_NETWORKS as readonly string[]).includes(upper)) return upper;
    throw new InvalidArgumentError(`expected ${USER_NETWORKS.join(" or ")} (any case).`);
  });
}
