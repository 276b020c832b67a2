import { expect } from "chai";
import fc from "fast-check";
import {
  formatCidr,
  halve,
  lastAddress,
  maskOf,
  overlap,
  parseCidr,
  sizeOf,
  spanOf,
  type Ipv4Cidr,
} from "../../core/ipv4";

function cidr(text: string): Ipv4Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.cidr;
}

describe("halve", () => {
  it("splits the seed's /26 into two /27s, lower first", () => {
    expect(halve(cidr("10.102.4.192/26")).map(formatCidr)).to.deep.equal([
      "10.102.4.192/27",
      "10.102.4.224/27",
    ]);
  });

  it("halves the extremes: /0 and /31", () => {
    expect(halve(cidr("0.0.0.0/0")).map(formatCidr)).to.deep.equal(["0.0.0.0/1", "128.0.0.0/1"]);
    expect(halve(cidr("255.255.255.254/31")).map(formatCidr)).to.deep.equal([
      "255.255.255.254/32",
      "255.255.255.255/32",
    ]);
  });

  it("refuses a /32", () => {
    expect(() => halve(cidr("10.0.0.1/32"))).to.throw(RangeError, "10.0.0.1/32 cannot be halved");
  });

  it("gives disjoint, aligned halves that together are the original (any /0../31)", () => {
    const anyCidr = fc
      .record({
        address: fc.integer({ min: 0, max: 0xffffffff }),
        prefix: fc.integer({ min: 0, max: 31 }),
      })
      .map(({ address, prefix }) => ({ network: (address & maskOf(prefix)) >>> 0, prefix }));
    fc.assert(
      fc.property(anyCidr, (whole) => {
        const [lower, upper] = halve(whole);
        const half = sizeOf(whole) / 2;
        expect([lower.prefix, upper.prefix]).to.deep.equal([whole.prefix + 1, whole.prefix + 1]);
        expect(lower.network % half).to.equal(0);
        expect(upper.network % half).to.equal(0);
        expect(lower.network).to.equal(whole.network);
        expect(lastAddress(lower) + 1).to.equal(upper.network);
        expect(lastAddress(upper)).to.equal(lastAddress(whole));
        expect(overlap(spanOf(lower), spanOf(upper))).to.equal(undefined);
      }),
    );
  });
});

describe("spanOf and overlap", () => {
  it("spans network to broadcast", () => {
    expect(spanOf(cidr("10.0.0.0/30"))).to.deep.equal({ first: 0x0a000000, last: 0x0a000003 });
  });

  it("returns the shared addresses, or undefined", () => {
    expect(overlap({ first: 1, last: 10 }, { first: 5, last: 20 })).to.deep.equal({
      first: 5,
      last: 10,
    });
    expect(overlap({ first: 5, last: 20 }, { first: 1, last: 10 })).to.deep.equal({
      first: 5,
      last: 10,
    });
    expect(overlap({ first: 1, last: 4 }, { first: 4, last: 4 })).to.deep.equal({
      first: 4,
      last: 4,
    });
    expect(overlap({ first: 1, last: 4 }, { first: 5, last: 9 })).to.equal(undefined);
  });

  it("agrees with a brute-force check on small spans", () => {
    const span = fc
      .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }))
      .map(([a, b]) => ({ first: Math.min(a, b), last: Math.max(a, b) }));
    fc.assert(
      fc.property(span, span, (a, b) => {
        const shared: number[] = [];
        for (let n = 0; n <= 40; n += 1) {
          if (n >= a.first && n <= a.last && n >= b.first && n <= b.last) shared.push(n);
        }
        const result = overlap(a, b);
        expect(result).to.deep.equal(
          shared.length === 0 ? undefined : { first: shared[0], last: shared[shared.length - 1] },
        );
      }),
    );
  });
});
