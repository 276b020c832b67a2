import { expect } from "chai";
import { UserError } from "../../core/errors";
import { MAX_ALIAS_COUNT, parseYaml } from "../../core/yaml";

/** The message of the UserError parseYaml + toJS raise for `text`. */
function refused(text: string): string {
  try {
    parseYaml(text, "uan-k3s.yaml").toJS();
  } catch (error) {
    expect(error, "a UserError, not a bug's exit").to.be.instanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${text}`);
}

/** A "billion laughs": each level `width` aliases of the level below, `depth` levels. */
function laughs(width: number, depth: number, flow: boolean): string {
  const lines = [`l0: &l0 ${flow ? '["lol"]' : "lol"}`];
  for (let level = 1; level <= depth; level += 1) {
    const items = Array.from({ length: width }, () => `*l${level - 1}`);
    lines.push(
      flow
        ? `l${level}: &l${level} [${items.join(", ")}]`
        : `l${level}: &l${level}\n${items.map((item) => `  - ${item}`).join("\n")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

describe("parseYaml bounds aliases: a message, never a crash", () => {
  for (const [what, text] of [
    ["a flow-style billion laughs", laughs(10, 9, true)],
    ["a block-style billion laughs", laughs(9, 6, false)],
    ["a wide fan of one anchor", `a: &a [1, 2, 3]\nb: [${Array(400).fill("*a").join(", ")}]\n`],
    [
      "mappings merged into mappings",
      "a: &a {x: 1, y: 2}\nb: &b {p: *a, q: *a, r: *a, s: *a}\nc: &c {p: *b, q: *b, r: *b, s: *b}\n" +
        "d: &d {p: *c, q: *c, r: *c, s: *c}\ne: {p: *d, q: *d, r: *d, s: *d, t: *d}\n",
    ],
  ] as const) {
    it(`refuses ${what}`, () => {
      expect(refused(text)).to.equal(
        `uan-k3s.yaml: invalid YAML: its aliases of aliases expand too far (past the limit of ${MAX_ALIAS_COUNT}), as a resource exhaustion attack does`,
      );
    });
  }

  for (const [what, text, where] of [
    ["a value", "k3s:\n  image: *nope\n", "2:10"],
    ["a sequence item", "scope:\n  - uan\n  - *groups\n", "3:5"],
    ["an alias used before its anchor", "a: *x\nb: &x 1\n", "1:4"],
    ["a key", "*key : 1\n", "1:1"],
  ] as const) {
    it(`names an alias of no anchor in ${what}, with its place`, () => {
      expect(refused(text)).to.match(
        new RegExp(
          `^uan-k3s\\.yaml:${where}: invalid YAML: alias \\*\\w+ names no anchor &\\w+ before it$`,
        ),
      );
    });
  }

  it("still reads ordinary anchors and aliases, and stars in strings", () => {
    const text = "a: &a [1, 2]\nb: *a\nc: '*not-an-alias'\nd: \"x*y\"\n";
    expect(parseYaml(text, "f.yaml").toJS()).to.deep.equal({
      a: [1, 2],
      b: [1, 2],
      c: "*not-an-alias",
      d: "x*y",
    });
  });
});
