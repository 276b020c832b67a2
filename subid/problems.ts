import { UserError } from "../core/errors";

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

/**
 * The value of the decimal digits `text[from..to)`, or -1 when that is empty, holds anything
 * but ASCII digits, is longer than 15 digits, or (unless `leadingZero`) starts with a
 * needless 0. A fast path for 100,000-line files: no substring, no regular expression.
 */
export function digitsAt(text: string, from: number, to: number, leadingZero: boolean): number {
  if (to <= from || to - from > 15) return -1;
  if (!leadingZero && to - from > 1 && text.charCodeAt(from) === 48) return -1;
  let value = 0;
  for (let i = from; i < to; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Whether `text[from..to)` is non-empty printable ASCII without spaces (no `\s` inside). */
export function plainAt(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i += 1) {
    const code = text.charCodeAt(i);
    if (code <= 32 || code >= 127) return false;
  }
  return true;
}
