import { UserError } from "./errors";

/**
 * How deep a document may nest. Real SLS, HSM and CFS data nest under ten levels; a deeper
 * document is refused with its position rather than left to overflow the stack of whatever
 * walks it next (the schema check, the inventory, a JSON.stringify).
 */
export const MAX_JSON_DEPTH = 512;

/**
 * Parses JSON, and on failure reports `origin:line:column` and what was wrong.
 * V8's own messages often carry no position and quote the whole input, which could put a
 * file's contents (or a token) into an error message, so the failure path rescans the text.
 */
export function parseJson(text: string, origin: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidJson(text, origin, { cause: error });
  }
  if (typeof value !== "object" || value === null) return value;
  const members = membersAndColons(value);
  // Valid, but nested deeper than anything real: the scanner names where.
  if (Number.isNaN(members)) throw invalidJson(text, origin);
  // JSON.parse keeps the last of two equal keys without a word: an xname listed twice in a
  // dump would silently lose one entry. Refused, with both places.
  if (mayHaveDuplicateKeys(text, members)) {
    const duplicate = findDuplicateKey(text);
    if (duplicate !== undefined) {
      const at = lineAndColumn(text, duplicate.offset);
      const first = lineAndColumn(text, duplicate.firstOffset);
      throw new UserError(
        `${origin}:${at.line}:${at.column}: invalid JSON: duplicate key ${JSON.stringify(duplicate.key)} ` +
          `(first at ${first.line}:${first.column})`,
        "Remove one of the two entries: JSON would keep only the last one.",
      );
    }
  }
  return value;
}

function invalidJson(text: string, origin: string, options?: { cause: unknown }): UserError {
  const { offset, reason } = locateJsonError(text);
  const { line, column } = lineAndColumn(text, offset);
  return new UserError(
    `${origin}:${line}:${column}: invalid JSON: ${reason}`,
    "Fix the file (or the response) so that it is a single valid JSON document.",
    options,
  );
}

/**
 * A cheap test that is never wrong when it says no. Outside strings, every ':' in the text
 * separates one member; inside strings, a ':' is either raw or a \u003a escape. So the
 * text's ':' plus its "\u003a"-looking runs count at least the parsed members plus the ':'
 * in parsed strings, and exactly that many when no member was dropped; a dropped duplicate
 * takes its own ':' (and its value's) with it. Only a document that fails this is scanned.
 */
function mayHaveDuplicateKeys(text: string, members: number): boolean {
  const inText = colonsIn(text) + (text.match(/\\u003a/gi) ?? []).length;
  return inText !== members;
}

/**
 * Members of every object in `value` plus the ':' in its keys and strings; NaN when a container
 * is nested deeper than MAX_JSON_DEPTH. One loop over a stack of open containers rather than a
 * recursion: it is the inventory script's only walk over a whole SLS dump, and a loop is
 * optimized while it runs, where a recursion of many short calls runs unoptimized for long.
 */
function membersAndColons(value: object): number {
  let count = 0;
  const containers: object[] = [value];
  const depths: number[] = [0];
  const add = (item: unknown, depth: number): void => {
    if (typeof item === "string") {
      if (item.indexOf(":") !== -1) count += colonsIn(item);
    } else if (typeof item === "object" && item !== null) {
      containers.push(item);
      depths.push(depth);
    }
  };
  while (containers.length > 0) {
    const container = containers.pop() as object;
    const depth = depths.pop() as number;
    if (depth >= MAX_JSON_DEPTH) return NaN;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i += 1) add(container[i], depth + 1);
      continue;
    }
    // for...in, not Object.keys: no array per object. A parsed object's keys are its own, and
    // any inherited enumerable key could only make the count larger, never hide a duplicate.
    const record = container as Record<string, unknown>;
    for (const key in record) {
      count += key.indexOf(":") === -1 ? 1 : 1 + colonsIn(key);
      add(record[key], depth + 1);
    }
  }
  return count;
}

function colonsIn(text: string): number {
  let count = 0;
  for (let i = text.indexOf(":"); i !== -1; i = text.indexOf(":", i + 1)) count += 1;
  return count;
}

/** The first key repeated within one object of `text` (valid JSON), and where both are. */
export function findDuplicateKey(
  text: string,
): { key: string; offset: number; firstOffset: number } | undefined {
  // The open containers: an object's keys (decoded, as JSON.parse compares them) → offset, and
  // whether its next string is a key; an array has no keys.
  const open: { keys: Map<string, number> | undefined; expectKey: boolean }[] = [];
  for (let pos = 0; pos < text.length; pos += 1) {
    const char = text[pos];
    const top = open[open.length - 1];
    if (char === "{") open.push({ keys: new Map(), expectKey: true });
    else if (char === "[") open.push({ keys: undefined, expectKey: false });
    else if (char === "}" || char === "]") open.pop();
    else if (char === "," && top?.keys !== undefined) top.expectKey = true;
    else if (char === '"') {
      const start = pos;
      for (pos += 1; text[pos] !== '"'; pos += 1) if (text[pos] === "\\") pos += 1;
      if (top?.keys !== undefined && top.expectKey) {
        top.expectKey = false;
        const key = JSON.parse(text.slice(start, pos + 1)) as string;
        const firstOffset = top.keys.get(key);
        if (firstOffset !== undefined) return { key, offset: start, firstOffset };
        top.keys.set(key, start);
      }
    }
  }
  return undefined;
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

class JsonScanError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Scans `text` as JSON and returns where the first error is. Only used once parsing failed, or
 * to place a document nested deeper than MAX_JSON_DEPTH. A loop with its own stack of open
 * containers, not recursion: 100,000 `[` must give a position, not a stack overflow.
 */
export function locateJsonError(text: string): { offset: number; reason: string } {
  let pos = 0;
  const fail = (reason: string): never => {
    throw new JsonScanError(pos, reason);
  };
  const describe = (): string => (pos >= text.length ? "end of input" : JSON.stringify(text[pos]));
  const skipSpace = (): void => {
    while (pos < text.length && " \t\n\r".includes(text[pos])) pos += 1;
  };
  const expect = (char: string): void => {
    skipSpace();
    if (text[pos] !== char) fail(`expected ${JSON.stringify(char)} but found ${describe()}`);
    pos += 1;
  };
  const scanString = (): void => {
    pos += 1;
    for (;;) {
      if (pos >= text.length) fail("unterminated string");
      const char = text.charCodeAt(pos);
      if (char === 0x22) break;
      if (char < 0x20) fail("control character in string (escape it)");
      if (char === 0x5c) {
        pos += 1;
        if (text[pos] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 1, pos + 5))) fail("bad \\u escape");
          pos += 4;
        } else if (!'"\\/bfnrt'.includes(text[pos] ?? "x")) {
          fail(`bad escape \\${text[pos] ?? ""}`);
        }
      }
      pos += 1;
    }
    pos += 1;
  };
  const scanKey = (): void => {
    skipSpace();
    if (text[pos] !== '"')
      fail(`expected a property name in double quotes but found ${describe()}`);
    scanString();
    expect(":");
  };
  const scanLiteral = (): void => {
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(pos, pos + 400),
    );
    if (literal === null) fail(`unexpected ${describe()}`);
    pos += (literal as RegExpExecArray)[0].length;
  };
  // The closing bracket of each open container, innermost last.
  const open: string[] = [];
  try {
    values: for (;;) {
      // A value starts here.
      skipSpace();
      const char = text[pos];
      if (char === "{" || char === "[") {
        if (open.length >= MAX_JSON_DEPTH) fail(`nested more than ${MAX_JSON_DEPTH} levels deep`);
        const close = char === "{" ? "}" : "]";
        pos += 1;
        skipSpace();
        if (text[pos] !== close) {
          open.push(close);
          if (close === "}") scanKey();
          continue;
        }
        pos += 1;
      } else if (char === '"') {
        scanString();
      } else {
        scanLiteral();
      }
      // A value ended: a "," starts the next one in its container, else the container closes.
      while (open.length > 0) {
        const close = open[open.length - 1];
        skipSpace();
        if (text[pos] === ",") {
          pos += 1;
          if (close === "}") scanKey();
          continue values;
        }
        expect(close);
        open.pop();
      }
      break;
    }
    skipSpace();
    if (pos < text.length) fail(`unexpected ${describe()} after the end of the document`);
  } catch (error) {
    if (error instanceof JsonScanError) return { offset: error.offset, reason: error.reason };
    throw error;
  }
  // JSON.parse failed but the scanner did not: report the whole document rather than guess.
  return { offset: 0, reason: "not valid JSON" };
}
