import { expect } from "chai";
import fc from "fast-check";
import { findConflicts, planSplit, type K8sService, type SplitPlanned } from "../../split";
import { formatCidr, formatIpv4, maskOf, parseCidr } from "../../core/ipv4";
import type { SlsSubnet } from "../../schemas/generated/sls";
import { bican, dynamicSubnet, networksOf, userNetwork } from "./helpers";

const MAX = 0xffffffff;

/** A canonical CIDR as network address and prefix. */
const canonicalCidr = (minPrefix: number, maxPrefix: number) =>
  fc
    .record({
      address: fc.integer({ min: 0, max: MAX }),
      prefix: fc.integer({ min: minPrefix, max: maxPrefix }),
    })
    .map(({ address, prefix }) => ({ network: (address & maskOf(prefix)) >>> 0, prefix }));

/** The subnet to split in a CAN network of exactly its size: the largest it may be. */
function planOf(cidr: string): SplitPlanned {
  const plan = planSplit(
    networksOf(bican("CAN"), userNetwork("CAN", [dynamicSubnet({ CIDR: cidr })], cidr)),
  );
  if (plan.kind !== "split") throw new Error(`expected a split of ${cidr}`);
  return plan;
}

function parsed(text: string): { network: number; prefix: number; size: number } {
  const result = parseCidr(text);
  if (!result.ok || !result.canonical) throw new Error(`${text} is not a canonical CIDR`);
  return { ...result.cidr, size: 2 ** (32 - result.cidr.prefix) };
}

describe("planSplit properties", () => {
  // A user network larger than a /8 is refused (see plan.test.ts), and so its pools.
  it("halves any /8../30 into disjoint, aligned halves that make up the original", () => {
    fc.assert(
      fc.property(canonicalCidr(8, 30), (whole) => {
        const plan = planOf(formatCidr(whole));
        const lower = parsed(plan.lower.CIDR);
        const upper = parsed(plan.k3s.CIDR);
        const half = 2 ** (32 - whole.prefix) / 2;
        expect([lower.prefix, upper.prefix]).to.deep.equal([whole.prefix + 1, whole.prefix + 1]);
        expect([lower.size, upper.size]).to.deep.equal([half, half]);
        expect(lower.network % half).to.equal(0);
        expect(upper.network % half).to.equal(0);
        // Disjoint and together exactly the original: lower starts it, upper follows, ends it.
        expect(lower.network).to.equal(whole.network);
        expect(upper.network).to.equal(lower.network + half);
        expect(upper.network + half).to.equal(whole.network + 2 * half);
        expect(plan.range.cidr).to.equal(plan.k3s.CIDR);
        expect(plan.csmPool.range.cidr).to.equal(plan.lower.CIDR);
      }),
    );
  });

  it("puts the K3s Gateway at the first host of the new subnet", () => {
    fc.assert(
      fc.property(canonicalCidr(8, 30), (whole) => {
        const plan = planOf(formatCidr(whole));
        const upper = parsed(plan.k3s.CIDR);
        const firstHost = upper.prefix >= 31 ? upper.network : upper.network + 1;
        expect(plan.k3s.Gateway).to.equal(formatIpv4(firstHost));
        expect(plan.range.first).to.equal(plan.k3s.Gateway);
        const last =
          upper.prefix >= 31 ? upper.network + upper.size - 1 : upper.network + upper.size - 2;
        expect(plan.range.last).to.equal(formatIpv4(last));
        expect(plan.range.count).to.equal(last - firstHost + 1);
      }),
    );
  });

  it("never splits its own output again", () => {
    fc.assert(
      fc.property(canonicalCidr(8, 30), (whole) => {
        const plan = planOf(formatCidr(whole));
        const again = planSplit(networksOf(bican("CAN"), plan.networkAfter));
        expect(again.kind).to.equal("already-split");
        expect(again.range).to.deep.equal(plan.range);
      }),
    );
  });
});

// Inputs for the conflict oracle: addresses near the pool, so that some fall in the K3s half.
interface Holder {
  pool: { network: number; prefix: number } | undefined;
  reservations: number[];
  dhcp: [number, number] | undefined;
  reservationRange: [number, number] | undefined;
}

function scenario(base: { network: number; prefix: number }) {
  const size = 2 ** (32 - base.prefix);
  const address = fc
    .integer({ min: base.network - 64, max: base.network + size + 63 })
    .map((n) => Math.min(MAX, Math.max(0, n)));
  const range = fc.tuple(address, address);
  const holder: fc.Arbitrary<Holder> = fc.record({
    pool: fc.option(
      fc
        .tuple(address, fc.integer({ min: base.prefix, max: 32 }))
        .map(([a, prefix]) => ({ network: (a & maskOf(prefix)) >>> 0, prefix })),
      { nil: undefined },
    ),
    reservations: fc.array(address, { maxLength: 5 }),
    dhcp: fc.option(range, { nil: undefined }),
    reservationRange: fc.option(range, { nil: undefined }),
  });
  return fc.record({
    base: fc.constant(base),
    original: holder.map((h) => ({ ...h, pool: undefined })),
    others: fc.array(holder, { maxLength: 4 }),
    services: fc.array(fc.uniqueArray(address, { maxLength: 3 }), { maxLength: 5 }),
  });
}

/** The subnet keys a holder stands for; a pool gets its own CIDR and MetalLBPoolName. */
function holderKeys(holder: Holder, name: string): Partial<SlsSubnet> {
  const keys: Partial<SlsSubnet> = {
    IPReservations: holder.reservations.map((a, i) => ({
      Name: `r${i}`,
      IPAddress: formatIpv4(a),
    })),
  };
  if (holder.pool !== undefined) {
    keys.CIDR = formatCidr(holder.pool);
    keys.MetalLBPoolName = `pool-${name}`;
  }
  if (holder.dhcp !== undefined) {
    keys.DHCPStart = formatIpv4(holder.dhcp[0]);
    keys.DHCPEnd = formatIpv4(holder.dhcp[1]);
  }
  if (holder.reservationRange !== undefined) {
    keys.ReservationStart = formatIpv4(holder.reservationRange[0]);
    keys.ReservationEnd = formatIpv4(holder.reservationRange[1]);
  }
  return keys;
}

/** What the oracle expects of one holder, by trying every address of the K3s half. */
function oracle(holder: Holder, name: string, k3sHalf: number[]): string[] {
  const hits = (test: (a: number) => boolean): boolean => k3sHalf.some(test);
  const between =
    ([x, y]: [number, number]) =>
    (a: number): boolean =>
      a >= Math.min(x, y) && a <= Math.max(x, y);
  const expected: string[] = [];
  const pool = holder.pool;
  if (pool !== undefined && hits((a) => (a & maskOf(pool.prefix)) >>> 0 === pool.network)) {
    expected.push(`pool ${name}`);
  }
  holder.reservations.forEach((r, i) => {
    if (hits((a) => a === r)) expected.push(`ip-reservation ${name} r${i}`);
  });
  if (holder.dhcp !== undefined && hits(between(holder.dhcp))) expected.push(`dhcp-range ${name}`);
  if (holder.reservationRange !== undefined && hits(between(holder.reservationRange))) {
    expected.push(`reservation-range ${name}`);
  }
  return expected;
}

describe("findConflicts against a brute-force oracle", () => {
  it("reports exactly the reservations, ranges, pools and service IPs that meet the K3s half", () => {
    const input = canonicalCidr(20, 29).chain(scenario);
    fc.assert(
      fc.property(input, ({ base, original, others, services }) => {
        const size = 2 ** (32 - base.prefix);
        const k3sHalf: number[] = [];
        for (let a = base.network + size / 2; a < base.network + size; a += 1) k3sHalf.push(a);

        const dynamic = dynamicSubnet({ CIDR: formatCidr(base), ...holderKeys(original, "x") });
        // Odd holders live in CMN: another network's addresses block the K3s half as surely.
        const networkOf = (i: number): string => (i % 2 === 0 ? "CAN" : "CMN");
        const subnets = others.map((holder, i) => ({
          FullName: `Subnet s${i}`,
          CIDR: "10.0.0.0/8",
          Name: `s${i}`,
          VlanID: 6,
          ...holderKeys(holder, `s${i}`),
        }));
        const inNetwork = (name: string) => subnets.filter((_, i) => networkOf(i) === name);
        const items: K8sService[] = services.map((ips, i) => ({
          metadata: { namespace: "user", name: `svc${i}` },
          status: { loadBalancer: { ingress: ips.map((ip) => ({ ip: formatIpv4(ip) })) } },
        }));
        const expected = [
          ...oracle(original, "CAN/can_metallb_address_pool", k3sHalf),
          ...others.flatMap((holder, i) => oracle(holder, `${networkOf(i)}/s${i}`, k3sHalf)),
          ...services.flatMap((ips, i) =>
            ips
              .filter((ip) => k3sHalf.includes(ip))
              .map((ip) => `service user/svc${i} ${formatIpv4(ip)}`),
          ),
        ];

        const around = formatCidr({ network: (base.network & maskOf(8)) >>> 0, prefix: 8 });
        const plan = planSplit(
          networksOf(
            bican("CAN"),
            userNetwork("CAN", [dynamic, ...inNetwork("CAN")], around),
            userNetwork("CMN", inNetwork("CMN"), "10.254.0.0/16"),
          ),
        );
        const actual = findConflicts(plan, { kind: "List", items }).conflicts.map((c) => {
          switch (c.kind) {
            case "pool":
            case "dhcp-range":
            case "reservation-range":
              return `${c.kind} ${c.network}/${c.subnet}`;
            case "ip-reservation":
              return `${c.kind} ${c.network}/${c.subnet} ${c.reservation}`;
            case "service":
              return `service ${c.namespace}/${c.service} ${c.address}`;
            case "unreadable":
              return `unreadable ${c.value}`;
          }
        });
        expect([...actual].sort()).to.deep.equal([...expected].sort());
      }),
      { numRuns: 300 },
    );
  });
});
