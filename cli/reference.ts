import type { EventEmitter } from "node:events";
import type { Command, Option } from "commander";

/**
 * The command reference: the commander program walked into plain data, which the shell
 * completions (completion.ts) and the man page (man-page.ts) are rendered from. Both come from
 * the program `--help` describes, so a new command, flag or choice reaches them with no edit.
 */

/** What an option's value is, for a shell to complete. */
export type ValueKind = "none" | "choice" | "file" | "directory" | "text";

export interface OptionReference {
  /** As `--help` shows them, e.g. "-o, --output <path>". */
  readonly flags: string;
  /** Every name the option answers to, e.g. ["-o", "--output"]. */
  readonly names: readonly string[];
  readonly description: string;
  readonly value: ValueKind;
  /** With value "choice": the allowed values, in the program's order. */
  readonly choices: readonly string[];
}

export interface CommandReference {
  /** The words that run it, e.g. ["uan-k3s", "gen-roles"]. */
  readonly path: readonly string[];
  /** The usage line after the path, e.g. "[options]". */
  readonly usage: string;
  readonly description: string;
  readonly options: readonly OptionReference[];
  readonly arguments: readonly { readonly name: string; readonly choices: readonly string[] }[];
  readonly commands: readonly CommandReference[];
  /** The text `--help` shows after the options (examples, exit codes), as written. */
  readonly after: string;
}

/**
 * A placeholder names the kind of value (`--out <dir>`, `--sls-file <path>`): these take a
 * path a shell can complete.
 */
const FILE_PLACEHOLDERS = new Set(["path", "file", "backup"]);
const DIRECTORY_PLACEHOLDERS = new Set(["dir"]);

export function commandReference(
  command: Command,
  parents: readonly string[] = [],
  siblings: readonly string[] = [],
): CommandReference {
  const help = command.createHelp();
  const path = [...parents, command.name()];
  const subcommands = help.visibleCommands(command);
  return {
    path,
    usage: command.usage(),
    description: command.description(),
    options: help.visibleOptions(command).map(optionReference),
    arguments: command.registeredArguments.map((argument) => ({
      name: argument.name(),
      // commander's own `help [command]` takes the name of a sibling command.
      choices:
        argument.argChoices ??
        (command.name() === "help" && argument.name() === "command" ? siblings : []),
    })),
    commands: subcommands.map((subcommand) =>
      commandReference(
        subcommand,
        path,
        subcommands.map((sibling) => sibling.name()).filter((name) => name !== "help"),
      ),
    ),
    after: helpText(command, "afterHelp"),
  };
}

/**
 * What addHelpText() added at `event`: its listeners write it into the context they get. A
 * Command is an EventEmitter, though commander's types do not say so.
 */
function helpText(command: Command, event: "afterHelp"): string {
  let text = "";
  const context = { error: false, command, write: (chunk: string) => (text += chunk) };
  (command as unknown as EventEmitter).emit(event, context);
  return text.trim();
}

function optionReference(option: Option): OptionReference {
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  const choices = option.argChoices ?? [];
  const value: ValueKind =
    placeholder === undefined
      ? "none"
      : choices.length > 0
        ? "choice"
        : FILE_PLACEHOLDERS.has(placeholder)
          ? "file"
          : DIRECTORY_PLACEHOLDERS.has(placeholder)
            ? "directory"
            : "text";
  const names = [option.short, option.long].filter((name): name is string => name !== undefined);
  return { flags: option.flags, names, description: option.description, value, choices };
}

/** Every command below `root`, depth first, in the order `--help` lists them. */
export function allCommands(root: CommandReference): CommandReference[] {
  return root.commands.flatMap((command) => [command, ...allCommands(command)]);
}
