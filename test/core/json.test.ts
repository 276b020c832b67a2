import { expect } from "chai";
import { UserError } from "../../core/errors";
import { lineAndColumn, locateJsonError, parseJson } from "../../core/json";

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
