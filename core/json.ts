import { UserError } from "./errors";

/**
 * Parses JSON, and on failure reports `origin:line:column` and what was wrong.
 * V8's own messages often carry no position and quote the whole input, which could put a
 * file's contents (or a token) into an error message, so the failure path rescans the text.
 */
export function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const { offset, reason } = locateJsonError(text);
    const { line, column } = lineAndColumn(text, offset);
    throw new UserError(
      `${origin}:${line}:${column}: invalid JSON: ${reason}`,
      "Fix the file (or the response) so that it is a single valid JSON document.",
      { cause: error },
    );
  }
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

/** Scans `text` as JSON and returns where the first error is. Only used once parsing failed. */
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
  const scanValue = (): void => {
    skipSpace();
    const char = text[pos];
    if (char === "{") {
      pos += 1;
      skipSpace();
      if (text[pos] === "}") {
        pos += 1;
        return;
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"')
          fail(`expected a property name in double quotes but found ${describe()}`);
        scanString();
        expect(":");
        scanValue();
        skipSpace();
        if (text[pos] === ",") {
          pos += 1;
          continue;
        }
        expect("}");
        return;
      }
    }
    if (char === "[") {
      pos += 1;
      skipSpace();
      if (text[pos] === "]") {
        pos += 1;
        return;
      }
      for (;;) {
        scanValue();
        skipSpace();
        if (text[pos] === ",") {
          pos += 1;
          continue;
        }
        expect("]");
        return;
      }
    }
    if (char === '"') return scanString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(pos, pos + 400),
    );
    if (literal === null) fail(`unexpected ${describe()}`);
    pos += (literal as RegExpExecArray)[0].length;
  };
  try {
    scanValue();
    skipSpace();
    if (pos < text.length) fail(`unexpected ${describe()} after the end of the document`);
  } catch (error) {
    if (error instanceof JsonScanError) return { offset: error.offset, reason: error.reason };
    throw error;
  }
  // JSON.parse failed but the scanner did not: report the whole document rather than guess.
  return { offset: 0, reason: "not valid JSON" };
}
