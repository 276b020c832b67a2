import { isUserError } from "../core/errors";
import { colorWanted, paint, writeStderr } from "../core/log";
import { printable } from "../core/text";

/** Exit code for a bug (EX_SOFTWARE), so scripts can tell it from bad input. */
const EXIT_BUG = 70;

/**
 * The one place failures end: a UserError prints its message and hint, no stack; anything
 * else is a bug and prints its stack. Errors print whatever --quiet says.
 */
export function fail(error: unknown): void {
  // The flags are not parsed when commander itself fails, so --no-color is looked for here.
  const color = colorWanted(process.stderr, process.env, process.argv.includes("--no-color"));
  if (isUserError(error)) {
    // The message and hint may quote data (two nodes sharing a host name): escaped as warnings are,
    // but it may be several lines by design (every schema error).
    writeStderr(
      `uan-k3s: ${paint("error:", "red", color)} ${printable(error.message, { keepNewlines: true })}\n`,
    );
    if (error.hint !== undefined)
      writeStderr(`hint: ${printable(error.hint, { keepNewlines: true })}\n`);
    process.exitCode = error.exitCode;
    return;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  writeStderr(`uan-k3s: internal error (a bug; please report it):\n${stack}\n`);
  process.exitCode = EXIT_BUG;
}
