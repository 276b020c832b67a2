/**
 * Text from data (SLS aliases, xnames, HSM labels) made safe to show on a terminal: C0 and C1
 * control characters, DEL, and the Unicode marks that reorder or break lines (bidi overrides
 * and isolates, line and paragraph separators) are written as `\xNN` or `\uNNNN` escapes, so
 * an alias cannot clear the screen, retitle the window, or hide or fake a line. Printable
 * text, including a backslash, is left as it is.
 *
 * `keepNewlines` is for messages that are several lines by design (an error listing every
 * schema error): their line breaks stay, every other control character is still escaped.
 */
export function printable(text: string, options: { keepNewlines?: boolean } = {}): string {
  const pattern = options.keepNewlines === true ? EXCEPT_NEWLINE : ALL;
  pattern.lastIndex = 0;
  return pattern.test(text) ? text.replace(pattern, escapeChar) : text;
}

const CLASS = "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069";
const ALL = new RegExp(`[${CLASS}]`, "g");
const EXCEPT_NEWLINE = new RegExp(`(?!\\n)[${CLASS}]`, "g");

function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}
