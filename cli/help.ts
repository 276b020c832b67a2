import type { Command } from "commander";

// What every command's --help ends with: examples to copy and the exit codes to script against.

/** The exit codes every command shares. */
const COMMON_EXITS: readonly (readonly [number, string])[] = [
  [0, "success"],
  [1, "bad input, a usage error, or an unreachable or refusing API (one message on stderr)"],
  [70, "a bug (with a stack trace; please report it)"],
];

/**
 * Adds the examples and the exit codes to the end of `command`'s help. `exits` are the
 * command's own codes besides the common ones (e.g. split's 3: blocked).
 */
export function addHelpFooter(
  command: Command,
  examples: readonly string[],
  exits: readonly (readonly [number, string])[] = [],
): Command {
  const codes = [...COMMON_EXITS, ...exits].sort(([a], [b]) => a - b);
  const text = [
    "",
    "Examples:",
    ...examples.map((example) => `  ${example}`),
    "",
    "Exit codes:",
    ...codes.map(([code, meaning]) => `  ${String(code).padEnd(3)} ${meaning}`),
  ].join("\n");
  return command.addHelpText("after", text);
}

/** Usage errors end with where to read more, not with the whole help. */
export function seeHelp(command: Command): string {
  const path: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) path.unshift(at.name());
  return `see \`${path.join(" ")} --help\``;
}
