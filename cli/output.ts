import type { Command } from "commander";
import { colorWanted, createStderrLog, type Log } from "../core/log";
import { booleanValue } from "./settings";

// How much a run says on stderr, and whether in color: the same three flags on every command.

/**
 * The flags of a command, among them the output flags as commander hands them: `verbose` and
 * `quiet` true when given, `color` false with `--no-color`.
 */
export type OutputFlags = Readonly<Record<string, unknown>>;

export const VERBOSE_ENV = "UAN_K3S_VERBOSE";
export const QUIET_ENV = "UAN_K3S_QUIET";

/** --verbose, --quiet and --no-color, on every command. */
export function addOutputOptions(command: Command): Command {
  // command.createOption, not commander's Option: the inventory script imports this module for
  // scriptLog, and loading commander would cost it a tenth of a small run.
  return command
    .addOption(
      command
        .createOption(
          "-v, --verbose",
          `also say where data came from (cache hits, retries, the inventory's notes) (env ${VERBOSE_ENV})`,
        )
        .conflicts("quiet"),
    )
    .option("-q, --quiet", `print no warnings or notes, only errors and data (env ${QUIET_ENV})`)
    .option("--no-color", "no color, even at a terminal (also: NO_COLOR set)");
}

export type Verbosity = "quiet" | "normal" | "verbose";

/** The flags, else UAN_K3S_QUIET / UAN_K3S_VERBOSE (an empty variable counts as unset). */
export function verbosity(flags: OutputFlags, env: NodeJS.ProcessEnv): Verbosity {
  if (flags.quiet === true) return "quiet";
  if (flags.verbose === true) return "verbose";
  const set = (name: string): boolean =>
    env[name] !== undefined && env[name] !== "" && booleanValue(env[name], name);
  if (set(QUIET_ENV)) return "quiet";
  return set(VERBOSE_ENV) ? "verbose" : "normal";
}

/** Color on stderr (the log) for this run. */
export function stderrColor(flags: OutputFlags, env: NodeJS.ProcessEnv): boolean {
  return colorWanted(process.stderr, env, flags.color === false);
}

/** Color on stdout (a checklist, a report) for this run. */
export function stdoutColor(flags: OutputFlags, env: NodeJS.ProcessEnv): boolean {
  return colorWanted(process.stdout, env, flags.color === false);
}

/**
 * The log of a `uan-k3s` command: warnings and notes unless --quiet, detail with --verbose,
 * progress lines only where stderr is a terminal.
 */
export function commandLog(flags: OutputFlags, env: NodeJS.ProcessEnv): Log {
  const level = verbosity(flags, env);
  return createStderrLog({
    warnings: level !== "quiet",
    info: level !== "quiet",
    debug: level === "verbose",
    progress: level !== "quiet" && process.stderr.isTTY === true,
    color: stderrColor(flags, env),
  });
}

/**
 * The log of the inventory script. Ansible prints a script's stderr as "[ERROR]" even when it
 * succeeds, so by default only real problems reach it; notes only with UAN_K3S_VERBOSE.
 */
export function scriptLog(env: NodeJS.ProcessEnv): Log {
  const level = verbosity({}, env);
  return createStderrLog({
    warnings: level !== "quiet",
    info: level === "verbose",
    debug: level === "verbose",
    progress: false,
    color: false,
  });
}
