import { byCodeUnit } from "../core/order";
import { ID_LIMIT, type SubidKind } from "./defaults";
import { digitsAt, linesOf, plainAt } from "./problems";

/** One valid `owner:start:count` line of a subuid or subgid file. */
export interface SubidEntry {
  /** A user name or a numeric uid, exactly as written. */
  readonly owner: string;
  readonly start: number;
  readonly count: number;
  /** 1-based line number. */
  readonly line: number;
}

/** Why a line is not a valid entry. */
export type LineProblemCode = "malformed" | "count" | "limit";

export interface LineProblem {
  readonly line: number;
  readonly code: LineProblemCode;
  readonly message: string;
}

export interface SubidFile {
  readonly kind: SubidKind;
  /** The file as the admin named it, for messages. */
  readonly file: string;
  /** The valid lines, in file order. */
  readonly entries: readonly SubidEntry[];
  /** The invalid lines, in file order; a line is either an entry or a problem. */
  readonly problems: readonly LineProblem[];
}

/** A file that does not exist yet: no entries, no problems. */
export function emptySubidFile(kind: SubidKind, file: string): SubidFile {
  return { kind, file, entries: [], problems: [] };
}

/**
 * Reads a subuid(5)/subgid(5) file leniently: every bad line becomes a problem, so `--check`
 * can report them all. Blank lines and `#` comments are skipped, as shadow-utils (which
 * ignores any line it cannot parse) and containers/storage (Podman's reader, which skips `#`
 * lines but rejects the whole file for one line without three fields) do. Stricter than
 * shadow-utils where it would silently ignore a user's line: a CR before the LF, spaces, a
 * sign or a leading zero (older shadow-utils read numbers with base 0: octal).
 */
export function parseSubidFile(text: string, file: string, kind: SubidKind): SubidFile {
  const entries: SubidEntry[] = [];
  const problems: LineProblem[] = [];
  const lines = linesOf(text);
  for (let index = 0; index < lines.length; index += 1) {
    const line = index + 1;
    const content = lines[index];
    if (content === "" || content.charCodeAt(0) === 35 /* # */) continue;
    const entry = fastEntry(content, line);
    if (entry !== undefined) {
      entries.push(entry);
      continue;
    }
    if (content.trim() === "") continue;
    const result = parseLine(content);
    if (typeof result === "string") problems.push({ line, code: "malformed", message: result });
    else if ("code" in result) problems.push({ line, ...result });
    else entries.push({ ...result, line });
  }
  return { kind, file, entries, problems };
}

/** The entry of a plain valid line, or undefined for parseLine to explain what is wrong. */
function fastEntry(content: string, line: number): SubidEntry | undefined {
  const first = content.indexOf(":");
  const second = content.indexOf(":", first + 1);
  if (first <= 0 || second < 0 || content.indexOf(":", second + 1) >= 0) return undefined;
  if (!plainAt(content, 0, first)) return undefined;
  const start = digitsAt(content, first + 1, second, false);
  const count = digitsAt(content, second + 1, content.length, false);
  if (start < 0 || count <= 0 || start + count > ID_LIMIT) return undefined;
  return { owner: content.slice(0, first), start, count, line };
}

type Parsed =
  | string
  | { owner: string; start: number; count: number }
  | { code: "count" | "limit"; message: string };

function parseLine(content: string): Parsed {
  if (content.endsWith("\r")) {
    return "line ends with a carriage return (CRLF): shadow-utils ignores this entry; save the file with LF line ends";
  }
  const fields = content.split(":");
  if (fields.length !== 3) {
    return `expected 3 colon-separated fields (name:start:count), found ${fields.length}`;
  }
  const [owner, startText, countText] = fields;
  if (owner === "") return "empty owner (a user name or uid)";
  if (/\s/.test(owner)) return `owner ${JSON.stringify(owner)} contains white space`;
  const start = number("start", startText);
  if (typeof start === "string") return start;
  if (countText.startsWith("-") && /^-[0-9]+$/.test(countText)) {
    return { code: "count", message: `count ${countText} is negative: ${owner} gets no ids` };
  }
  const count = number("count", countText);
  if (typeof count === "string") return count;
  if (count === 0) return { code: "count", message: `count is 0: ${owner} gets no ids` };
  if (start + count > ID_LIMIT) {
    return {
      code: "limit",
      message: `range ${startText}:${countText} of ${owner} ends past ${ID_LIMIT - 1}, the highest usable id`,
    };
  }
  return { owner, start, count };
}

/** A start or count: plain decimal digits, no leading zero. A message when it is not. */
function number(what: string, text: string): number | string {
  if (text === "") return `empty ${what}`;
  if (/^-[0-9]+$/.test(text)) return `${what} ${text} is negative`;
  if (!/^[0-9]+$/.test(text)) return `${what} ${JSON.stringify(text)} is not a decimal number`;
  if (text.length > 1 && text.startsWith("0")) {
    return `${what} ${text} has a leading zero (some shadow-utils versions read it as octal)`;
  }
  // Anything this long is past 2^32 anyway; the limit check below names it.
  return text.length > 15 ? Number.MAX_SAFE_INTEGER : Number(text);
}

/** A range as it is written: who, from where, how many. */
export interface SubidRange {
  readonly owner: string;
  readonly start: number;
  readonly count: number;
}

/**
 * The file's bytes: one `owner:start:count` line a range, sorted by start (then owner), LF,
 * a final newline, and no comment: not every reader of these files skips comments.
 */
export function renderSubidFile(ranges: readonly SubidRange[]): string {
  // A plan's ranges come sorted already: checking costs one pass, sorting 100,000 of them a
  // tenth of a run.
  const sorted = ranges.every((range, i) => i === 0 || byStartThenOwner(ranges[i - 1], range) <= 0)
    ? ranges
    : [...ranges].sort(byStartThenOwner);
  let text = "";
  for (const range of sorted) text += `${range.owner}:${range.start}:${range.count}\n`;
  return text;
}

/** The order of a subid file's lines: by start, then owner. */
export function byStartThenOwner(a: SubidRange, b: SubidRange): number {
  return a.start - b.start || byCodeUnit(a.owner, b.owner);
}

/** `start-last` for messages: the ids a range covers, both ends included. */
export function span(range: { readonly start: number; readonly count: number }): string {
  return `${range.start}-${range.start + range.count - 1}`;
}
