import { UserError } from "../../core/errors";

/** How many problems one error message lists before it says "and N more". */
const LISTED = 20;

/**
 * One UserError that lists problems, each already prefixed with `file:line: `, so the admin
 * fixes them all in one pass instead of one per run.
 */
export function problemsError(
  summary: string,
  problems: readonly string[],
  hint: string,
): UserError {
  const shown = problems.slice(0, LISTED).map((problem) => `  ${problem}`);
  if (problems.length > LISTED) shown.push(`  ... and ${problems.length - LISTED} more`);
  return new UserError(`${summary}:\n${shown.join("\n")}`, hint);
}

/** `text` split into lines without their LF; a final newline does not make an extra line. */
export function linesOf(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** A plain decimal number (digits only), or undefined. No sign, no spaces, no hex. */
export function decimal(text: string): number | undefined {
  if (!/^[0-9]{1,15}$/.test(text)) return undefined;
  return Number(text);
}
