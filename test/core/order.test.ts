import { expect } from "chai";
import fc from "fast-check";
import { byCodeUnit, byNaturalName, sortKeysDeep, sortNatural } from "../../core/order";

describe("ordering", () => {
  it("orders xnames and aliases by the numbers in them", () => {
    const names = [
      "x3000c0s27b0n0",
      "uan10",
      "x3000c0s3b0n0",
      "uan2",
      "x1000c0s0b0n0",
      "uan02",
      "x3000c0s3b0n1",
    ];
    expect(sortNatural(names, (name) => name)).to.deep.equal([
      "uan02",
      "uan2",
      "uan10",
      "x1000c0s0b0n0",
      "x3000c0s3b0n0",
      "x3000c0s3b0n1",
      "x3000c0s27b0n0",
    ]);
  });

  it("sortNatural agrees with byNaturalName, which is a total order", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-c0-9]{0,6}$/)), (names) => {
        expect(sortNatural(names, (name) => name)).to.deep.equal([...names].sort(byNaturalName));
        for (const a of names)
          for (const b of names)
            expect(Math.sign(byNaturalName(a, b))).to.equal(-Math.sign(byNaturalName(b, a)));
      }),
    );
  });

  it("byNaturalName walks the runs in place as the keys it was defined by compare", () => {
    // The definition, as it was built: each name a key, the keys compared, then the names.
    const key = (name: string, width: number): string =>
      name.replace(/\d+|\D+/g, (token) => {
        if (!/^\d/.test(token)) return `${token}\0`;
        const value = token.replace(/^0+(?=\d)/, "");
        const length = Math.min(token.length, 0x7fff);
        const mark = value === "0" ? length : 0xffff - length;
        return `${value.padStart(width, "0")}${String.fromCharCode(mark)}\0`;
      });
    const byKey = (a: string, b: string): number => {
      const width = Math.max(
        0,
        ...`${a} ${b}`.split(/\D+/).map((run) => run.replace(/^0+(?=\d)/, "").length),
      );
      return byCodeUnit(key(a, width), key(b, width)) || byCodeUnit(a, b);
    };
    const name = fc.stringMatching(/^[a0-9\0\x01.-]{0,8}$/);
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(Math.sign(byNaturalName(a, b))).to.equal(Math.sign(byKey(a, b)));
      }),
      { numRuns: 5000 },
    );
    const long = "7".repeat(0x8000);
    for (const [a, b] of [
      ["a\0", "a"],
      ["a\0b1", "a1"],
      ["a", "a\0\0"],
      ["x0", "x00"],
      ["x01", "x1"],
      [`x0${long}`, `x00${long}`],
      [`x${long}`, `x0${long}`],
    ])
      expect(Math.sign(byNaturalName(a, b)), JSON.stringify([a, b])).to.equal(
        Math.sign(byKey(a, b)),
      );
  });

  it("compares by code unit, not locale", () => {
    expect(["b", "B", "a", "_"].sort(byCodeUnit)).to.deep.equal(["B", "_", "a", "b"]);
  });

  it("sorts object keys at every depth, leaving arrays in order", () => {
    expect(JSON.stringify(sortKeysDeep({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 2 } }))).to.equal(
      '{"a":{"c":2,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });
});
