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

  it("compares by code unit, not locale", () => {
    expect(["b", "B", "a", "_"].sort(byCodeUnit)).to.deep.equal(["B", "_", "a", "b"]);
  });

  it("sorts object keys at every depth, leaving arrays in order", () => {
    expect(JSON.stringify(sortKeysDeep({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 2 } }))).to.equal(
      '{"a":{"c":2,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });
});
