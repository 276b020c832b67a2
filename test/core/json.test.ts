import { expect } from "chai";
import { UserError } from "../../core/errors";
import { lineAndColumn, locateJsonError, MAX_JSON_DEPTH, parseJson } from "../../core/json";

describe("parseJson", () => {
  it("returns the parsed value", () => {
    expect(parseJson('{"a": [1, 2]}', "x.json")).to.deep.equal({ a: [1, 2] });
  });

  const cases: [string, string, string][] = [
    ['{"a":}', "x.json:1:6", "unexpected"],
    ['{"a":1', "x.json:1:7", 'expected "}" but found end of input'],
    ["[1,2,,]", "x.json:1:6", 'unexpected ","'],
    ['{\n "a": 1,\n "b": x\n}', "x.json:3:7", 'unexpected "x"'],
    ["", "x.json:1:1", "end of input"],
    ['{"a":"\u0001"}', "x.json:1:7", "control character"],
    ["{'a': 1}", "x.json:1:2", "property name in double quotes"],
    ["[1] 2", "x.json:1:5", "after the end of the document"],
  ];
  for (const [text, where, reason] of cases) {
    it(`reports ${where} for ${JSON.stringify(text)}`, () => {
      let caught: unknown;
      try {
        parseJson(text, "x.json");
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(UserError);
      const message = (caught as UserError).message;
      expect(message).to.match(new RegExp(`^${where}: invalid JSON: `));
      expect(message).to.include(reason);
    });
  }

  it("never echoes the document in the message", () => {
    const secret = "s3cr3t-token-value";
    expect(() => parseJson(`{"access_token": "${secret}", }`, "t.json"))
      .to.throw(UserError)
      .with.property("message")
      .that.does.not.include(secret);
  });

  it("agrees with JSON.parse on valid input", () => {
    for (const text of ['{"a":[1,-2.5e3,true,null,"\\u00e9\\n"]}', "[]", " 0 "]) {
      expect(() => JSON.parse(text) as unknown).not.to.throw();
      expect(locateJsonError(text).reason).to.equal("not valid JSON");
    }
  });

  it("counts lines and columns from 1", () => {
    expect(lineAndColumn("ab\ncd", 0)).to.deep.equal({ line: 1, column: 1 });
    expect(lineAndColumn("ab\ncd", 4)).to.deep.equal({ line: 2, column: 2 });
  });
});

/** The message of the UserError parseJson raises for `text` as sls.json. */
function refused(text: string): string {
  try {
    parseJson(text, "sls.json");
  } catch (error) {
    expect(error).to.be.instanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${text.slice(0, 80)}`);
}

describe("parseJson refuses duplicate keys (JSON.parse would keep the last)", () => {
  it("names the key and both places, at any depth and however the key is spelled", () => {
    const cases: [string, string][] = [
      [
        '{"Hardware": {\n  "x3000c0s9b0n0": {"Role": "Application"},\n  "x3000c0s9b0n0": {}\n}}',
        'sls.json:3:3: invalid JSON: duplicate key "x3000c0s9b0n0" (first at 2:3)',
      ],
      [
        '{"a": {"b": [{"c": 1, "c": 2}]}}',
        'sls.json:1:23: invalid JSON: duplicate key "c" (first at 1:15)',
      ],
      ['{"a": 1, "\\u0061": 2}', 'duplicate key "a"'],
      ['{"__proto__": {}, "__proto__": {}}', 'duplicate key "__proto__"'],
      ['{"k:1": 1, "k:1": 1}', 'duplicate key "k:1"'],
      // an escaped colon elsewhere must not hide the dropped member
      ['{"a": "\\u003a", "a": 2}', 'duplicate key "a"'],
      ['{"a": "\\"}", "a": 2}', 'duplicate key "a"'],
      ['{"x": {"big": [1, 2, {"y": ":"}]}, "x": 0}', 'duplicate key "x"'],
    ];
    for (const [text, message] of cases) expect(refused(text), text).to.include(message);
    // nested as deep as a document may be
    const deep = `${"[".repeat(500)}{"a": 1, "a": 2}${"]".repeat(500)}`;
    expect(refused(deep)).to.include('1:510: invalid JSON: duplicate key "a" (first at 1:502)');
  });

  it("accepts equal keys in different objects, and colons and escapes in strings", () => {
    for (const text of [
      '[{"a": 1}, {"a": 1}]',
      '{"a": {"a": {"a": 1}}}',
      '{"t": "2022-08-09 20:18:21", "v6": "fd00::1", "e": "\\u003a\\u003A", "k\\u003a": ":"}',
      '{"s": "\\\\u003a", "q": "\\"", "b": "\\\\"}',
      '{"a": 1, "A": 2, "a ": 3}',
    ]) {
      expect(parseJson(text, "f.json"), text).to.deep.equal(JSON.parse(text));
    }
  });
});

describe("parseJson bounds nesting: a message, never a stack overflow", () => {
  const levels = 100_000;
  const cases: [string, string, string][] = [
    ["valid arrays", "[".repeat(levels) + "]".repeat(levels), "sls.json:1:513:"],
    ["valid objects", '{"a":'.repeat(levels) + "1" + "}".repeat(levels), "sls.json:1:2561:"],
    ["unclosed arrays", "[".repeat(levels), "sls.json:1:513:"],
    ["unclosed objects", '{"a":'.repeat(levels), "sls.json:1:2561:"],
    ["mixed, on lines", '{"a":[\n'.repeat(levels / 2), "sls.json:257:1:"],
    [
      "inside a real document",
      `{"Networks": {"CAN": {"ExtraProperties": ${"[".repeat(levels)}`,
      "sls.json:1:551:",
    ],
  ];
  for (const [what, text, where] of cases) {
    it(`refuses ${levels} levels of ${what} with the place`, () => {
      expect(refused(text)).to.equal(
        `${where} invalid JSON: nested more than ${MAX_JSON_DEPTH} levels deep`,
      );
    });
  }

  it("accepts a document exactly as deep as the limit, and a syntax error inside one", () => {
    const text = "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH);
    expect(() => parseJson(text, "f.json")).not.to.throw();
    expect(refused("[".repeat(MAX_JSON_DEPTH) + "x")).to.include('unexpected "x"');
  });
});
