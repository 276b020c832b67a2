import { expect } from "chai";
import { planSplit, type SplitPlan, type SplitPlanned } from "../../split";
import { subnetsOf } from "../../inventory/networks";
import type { SlsNetwork, SlsSubnet } from "../../schemas/generated/sls";
import {
  bican,
  bootstrapSubnet,
  dynamicSubnet,
  networksOf,
  seedSystem,
  staticPoolSubnet,
  userErrorFrom,
  userNetwork,
} from "./helpers";

function expectSplit(plan: SplitPlan): SplitPlanned {
  expect(plan.kind).to.equal("split");
  return plan as SplitPlanned;
}

function chnSystem(dynamic: Partial<SlsSubnet> = {}): Map<string, SlsNetwork> {
  return networksOf(
    bican("CHN"),
    userNetwork("CHN", [
      dynamicSubnet({
        FullName: "CHN Dynamic MetalLB",
        CIDR: "10.102.4.224/27",
        Name: "chn_metallb_address_pool",
        VlanID: 0,
        Gateway: "10.102.4.225",
        MetalLBPoolName: "customer-high-speed",
        ...dynamic,
      }),
    ]),
  );
}

/** The note every split with the seed's default K3s Name carries, once. */
const seedNameNote = (net: "can" | "chn"): string =>
  `The K3s subnet's Name "${net}_metallb_k3s_address_pool" is the seed procedure's. Like any Name containing "metallb", CSM tooling makes every subnet whose Name contains metallb a CSM MetalLB pool when it rebuilds its configuration, which would put the K3s range back into CSM's pools. Before rebuilding CSM's MetalLB configuration, rename it (e.g. --k3s-name ${net}_k3s_address_pool for a new split).`;

describe("planSplit", () => {
  describe("the seed's example", () => {
    const plan = expectSplit(planSplit(seedSystem()));

    it("keeps the original's names, pool, VLAN and Gateway on the lower half", () => {
      expect(plan.lower).to.deep.equal({
        FullName: "CAN Dynamic MetalLB",
        CIDR: "10.102.4.192/27",
        Name: "can_metallb_address_pool",
        VlanID: 6,
        Gateway: "10.102.4.193",
        MetalLBPoolName: "customer-access",
      });
    });

    it("gives the upper half exactly the K3s subnet's keys, gateway at its first host", () => {
      expect(plan.k3s).to.deep.equal({
        FullName: "CAN Dynamic MetalLB K3s",
        CIDR: "10.102.4.224/27",
        Name: "can_metallb_k3s_address_pool",
        VlanID: 6,
        Gateway: "10.102.4.225",
        MetalLBPoolName: "customer-access-k3s",
      });
    });

    it("exposes the K3s range and the CSM pool to shrink", () => {
      expect(plan.net).to.equal("CAN");
      expect(plan.range).to.deep.equal({
        cidr: "10.102.4.224/27",
        first: "10.102.4.225",
        last: "10.102.4.254",
        count: 30,
      });
      expect(plan.csmPool).to.deep.equal({
        name: "customer-access",
        range: { cidr: "10.102.4.192/27", first: "10.102.4.193", last: "10.102.4.222", count: 30 },
      });
      expect(plan.original).to.deep.equal(dynamicSubnet());
    });

    it("says where the network came from", () => {
      expect(plan.notes[0]).to.equal("Using CAN, BICAN's SystemDefaultRoute.");
    });

    it("changes only Subnets[] of the network, placing the K3s subnet right after the original", () => {
      const { ExtraProperties: after, ...restAfter } = plan.networkAfter;
      const { ExtraProperties: before, ...restBefore } = plan.networkBefore;
      expect(restAfter).to.deep.equal(restBefore);
      expect({ ...after, Subnets: [] }).to.deep.equal({ ...before, Subnets: [] });
      expect(subnetsOf(plan.networkAfter)).to.deep.equal([plan.lower, plan.k3s, bootstrapSubnet()]);
      expect(plan.networkAfter.LastUpdated).to.equal(1700000000);
      expect(plan.networkAfter.LastUpdatedTime).to.equal("2023-11-14 22:13:20.000000 +0000 +0000");
    });
  });

  it("inserts right after the original wherever it stands in Subnets[]", () => {
    const statik = staticPoolSubnet("10.102.4.176/28");
    const plan = expectSplit(planSplit(seedSystem([bootstrapSubnet(), dynamicSubnet(), statik])));
    expect(subnetsOf(plan.networkAfter).map((subnet) => subnet.Name)).to.deep.equal([
      "bootstrap_dhcp",
      "can_metallb_address_pool",
      "can_metallb_k3s_address_pool",
      "can_metallb_static_pool",
    ]);
  });

  it("preserves keys it does not know, at every level", () => {
    const dynamic = { ...dynamicSubnet(), FutureKey: { a: [1] } } as SlsSubnet;
    const reservation = { Name: "r", IPAddress: "10.102.4.140", Extra: true };
    const bootstrap = bootstrapSubnet({ IPReservations: [reservation] });
    const network = userNetwork("CAN", [dynamic, bootstrap]);
    const odd = {
      ...network,
      Unknown: "kept",
      ExtraProperties: { ...network.ExtraProperties, PeerASN: 65533, Unknown2: [1, 2] },
    } as SlsNetwork;
    const plan = expectSplit(planSplit(networksOf(bican("CAN"), odd)));
    const after = plan.networkAfter as unknown as Record<string, unknown>;
    expect(after.Unknown).to.equal("kept");
    expect(after.ExtraProperties).to.include({ PeerASN: 65533 });
    expect((after.ExtraProperties as Record<string, unknown>).Unknown2).to.deep.equal([1, 2]);
    expect(plan.lower).to.deep.include({ FutureKey: { a: [1] } });
    expect(subnetsOf(plan.networkAfter)[2].IPReservations).to.deep.equal([reservation]);
    expect(plan.k3s).not.to.have.property("FutureKey");
  });

  it("does not mutate its input, and its output shares no objects with it", () => {
    const networks = seedSystem();
    const snapshot = structuredClone([...networks.entries()]);
    const plan = expectSplit(planSplit(networks));
    expect([...networks.entries()]).to.deep.equal(snapshot);
    subnetsOf(plan.networkAfter)[0].Name = "changed";
    plan.networkBefore.Name = "changed";
    plan.original.Name = "changed";
    expect([...networks.entries()]).to.deep.equal(snapshot);
  });

  it("gives the same plan twice", () => {
    expect(planSplit(seedSystem())).to.deep.equal(planSplit(seedSystem()));
  });

  describe("CHN", () => {
    it("keeps VlanID 0 and names everything after CHN", () => {
      const plan = expectSplit(planSplit(chnSystem()));
      expect(plan.net).to.equal("CHN");
      expect(plan.k3s).to.deep.equal({
        FullName: "CHN Dynamic MetalLB K3s",
        CIDR: "10.102.4.240/28",
        Name: "chn_metallb_k3s_address_pool",
        VlanID: 0,
        Gateway: "10.102.4.241",
        MetalLBPoolName: "customer-high-speed-k3s",
      });
      expect(plan.lower.VlanID).to.equal(0);
    });

    it("falls back to customer-high-speed when the subnet names no pool", () => {
      const plan = expectSplit(planSplit(chnSystem({ MetalLBPoolName: undefined })));
      expect(plan.k3s.MetalLBPoolName).to.equal("customer-high-speed-k3s");
      expect(plan.csmPool.name).to.equal("customer-high-speed");
    });
  });

  describe("choosing the network", () => {
    const noPool = dynamicSubnet();
    delete noPool.MetalLBPoolName;
    const preCsm12 = networksOf(userNetwork("CAN", [noPool, bootstrapSubnet()]));

    it("asks for --network when SLS has no BICAN (pre-1.2 data)", () => {
      const error = userErrorFrom(() => planSplit(preCsm12));
      expect(error.message).to.include("SLS has no BICAN network");
      expect(error.hint).to.include("--network CAN or --network CHN");
    });

    it("splits pre-1.2 data with --network CAN, naming the pool customer-access-k3s", () => {
      const plan = expectSplit(planSplit(preCsm12, { network: "CAN" }));
      expect(plan.k3s.MetalLBPoolName).to.equal("customer-access-k3s");
      expect(plan.lower).not.to.have.property("MetalLBPoolName");
      expect(plan.csmPool.name).to.equal("customer-access");
      expect(plan.notes).to.deep.equal([seedNameNote("can")]);
    });

    for (const route of ["CMN", "HSN", "can"]) {
      it(`asks for --network when BICAN routes over ${route}`, () => {
        const error = userErrorFrom(() =>
          planSplit(networksOf(bican(route), userNetwork("CAN", [dynamicSubnet()]))),
        );
        expect(error.message).to.include(`SystemDefaultRoute is "${route}", not CAN or CHN`);
        expect(error.hint).to.include("--network");
      });
    }

    it("asks for --network when BICAN has no SystemDefaultRoute", () => {
      const error = userErrorFrom(() =>
        planSplit(networksOf(bican(undefined), userNetwork("CAN", [dynamicSubnet()]))),
      );
      expect(error.message).to.include("BICAN has no SystemDefaultRoute");
      expect(error.hint).to.include("--network");
    });

    it("lets an explicit network beat BICAN, and notes it", () => {
      const networks = chnSystem();
      networks.set("BICAN", bican("CAN"));
      const plan = planSplit(networks, { network: "CHN" });
      expect(plan.net).to.equal("CHN");
      expect(plan.notes).to.deep.equal([
        "Using CHN as asked, although BICAN's SystemDefaultRoute is CAN.",
        seedNameNote("chn"),
      ]);
    });

    it("refuses a network option other than CAN or CHN", () => {
      const options = { network: "can" } as unknown as { network: "CAN" };
      const error = userErrorFrom(() => planSplit(seedSystem(), options));
      expect(error.message).to.equal('The network must be CAN or CHN, not "can".');
    });

    it("says so when the chosen network is not in SLS", () => {
      const error = userErrorFrom(() => planSplit(seedSystem(), { network: "CHN" }));
      expect(error.message).to.equal("SLS has no CHN network.");
      expect(error.hint).to.include("--network CAN");
    });
  });

  describe("finding and reading the subnet", () => {
    it("names the missing subnet and lists the ones there are", () => {
      const error = userErrorFrom(() => planSplit(seedSystem([bootstrapSubnet()])));
      expect(error.message).to.equal(
        'CAN has no subnet with FullName "CAN Dynamic MetalLB"; it has "CAN Bootstrap DHCP Subnet".',
      );
      expect(error.hint).to.include("--subnet");
    });

    it("says so when the network has no subnets at all", () => {
      const error = userErrorFrom(() => planSplit(seedSystem([])));
      expect(error.message).to.include("(it has no subnets at all)");
    });

    it("splits the subnet named by the subnet option", () => {
      const other = dynamicSubnet({
        FullName: "CAN Dynamic MetalLB 2",
        Name: "can_pool_2",
        CIDR: "10.102.5.0/24",
        MetalLBPoolName: "pool-2",
      });
      const plan = expectSplit(
        planSplit(seedSystem([dynamicSubnet(), other]), { subnet: "CAN Dynamic MetalLB 2" }),
      );
      expect(plan.lower.CIDR).to.equal("10.102.5.0/25");
      expect(plan.k3s).to.include({ CIDR: "10.102.5.128/25", MetalLBPoolName: "pool-2-k3s" });
      expect(subnetsOf(plan.networkAfter).map((subnet) => subnet.Name)).to.deep.equal([
        "can_metallb_address_pool",
        "can_pool_2",
        "can_metallb_k3s_address_pool",
      ]);
    });

    it("refuses two subnets with the FullName to split", () => {
      const error = userErrorFrom(() =>
        planSplit(seedSystem([dynamicSubnet(), dynamicSubnet({ Name: "copy" })])),
      );
      expect(error.message).to.include('CAN has 2 subnets with FullName "CAN Dynamic MetalLB"');
    });

    it("canonicalizes a CIDR with host bits set, and notes it", () => {
      const plan = expectSplit(
        planSplit(seedSystem([dynamicSubnet({ CIDR: "10.1.1.193/27", Gateway: "10.1.1.193" })])),
      );
      expect(plan.lower.CIDR).to.equal("10.1.1.192/28");
      expect(plan.k3s).to.include({ CIDR: "10.1.1.208/28", Gateway: "10.1.1.209" });
      expect(plan.notes).to.include(
        'CAN subnet "CAN Dynamic MetalLB" has the non-canonical CIDR 10.1.1.193/27; using 10.1.1.192/27.',
      );
    });

    for (const cidr of ["10.102.4.192/31", "10.102.4.192/32"]) {
      it(`refuses to halve ${cidr}`, () => {
        const error = userErrorFrom(() => planSplit(seedSystem([dynamicSubnet({ CIDR: cidr })])));
        expect(error.message).to.equal(
          `CAN subnet "CAN Dynamic MetalLB" is ${cidr}, too small to split: each half needs at least 2 addresses, so the subnet must be a /30 or larger.`,
        );
        expect(error.hint).to.include("metallb_ipaddresspool_range_start");
      });
    }

    it("halves a /30 into two /31s", () => {
      const plan = expectSplit(planSplit(seedSystem([dynamicSubnet({ CIDR: "10.0.0.4/30" })])));
      expect(plan.k3s).to.include({ CIDR: "10.0.0.6/31", Gateway: "10.0.0.6" });
      expect(plan.range).to.deep.include({ first: "10.0.0.6", last: "10.0.0.7", count: 2 });
    });

    it("refuses an IPv6 CIDR", () => {
      const error = userErrorFrom(() =>
        planSplit(seedSystem([dynamicSubnet({ CIDR: "fd00:0:0:6::/64" })])),
      );
      expect(error.message).to.equal(
        'CAN subnet "CAN Dynamic MetalLB" has an unusable CIDR: fd00:0:0:6::/64 is IPv6; only IPv4 is supported.',
      );
      expect(error.hint).to.include("IPv4");
    });

    it("refuses a subnet without a CIDR", () => {
      const broken = { ...dynamicSubnet(), CIDR: undefined } as unknown as SlsSubnet;
      const error = userErrorFrom(() => planSplit(seedSystem([broken])));
      expect(error.message).to.equal('CAN subnet "CAN Dynamic MetalLB" has no CIDR.');
    });

    it("refuses a subnet without a VlanID", () => {
      const error = userErrorFrom(() =>
        planSplit(seedSystem([dynamicSubnet({ VlanID: undefined })])),
      );
      expect(error.message).to.include("has no VlanID");
    });
  });

  describe("names of the K3s subnet", () => {
    it("takes the three overrides", () => {
      const plan = expectSplit(
        planSplit(seedSystem(), {
          k3sFullName: "K3s pool",
          k3sName: "can_k3s_address_pool",
          k3sPoolName: "k3s",
        }),
      );
      expect(plan.k3s).to.include({
        FullName: "K3s pool",
        Name: "can_k3s_address_pool",
        MetalLBPoolName: "k3s",
      });
    });

    const taken: [string, object, string][] = [
      [
        "a Name another subnet has",
        { k3sName: "bootstrap_dhcp" },
        'subnet with Name "bootstrap_dhcp"',
      ],
      [
        "a pool another subnet has",
        { k3sPoolName: "customer-access" },
        'MetalLBPoolName "customer-access"',
      ],
      [
        "the FullName of the subnet to split",
        { k3sFullName: "CAN Dynamic MetalLB" },
        'cannot be "CAN Dynamic MetalLB"',
      ],
    ];
    for (const [what, options, message] of taken) {
      it(`refuses ${what}`, () => {
        const error = userErrorFrom(() => planSplit(seedSystem(), options));
        expect(error.message).to.include(message);
      });
    }

    it("refuses an empty name option", () => {
      const error = userErrorFrom(() => planSplit(seedSystem(), { k3sName: " " }));
      expect(error.message).to.equal("The k3sName option is empty.");
    });
  });

  describe("an already split network", () => {
    const first = expectSplit(planSplit(seedSystem()));
    const again = planSplit(networksOf(bican("CAN"), first.networkAfter));

    it("is reported with its K3s range, and nothing changes", () => {
      expect(again.kind).to.equal("already-split");
      expect(again.k3s).to.deep.equal(first.k3s);
      expect(again.range).to.deep.equal(first.range);
      expect(again).not.to.have.property("networkAfter");
      if (again.kind !== "already-split") return;
      expect(again.network).to.deep.equal(first.networkAfter);
      expect(again.csmPool).to.deep.equal(first.csmPool);
    });

    it("is never split again, even with other name options", () => {
      const options = { k3sName: "x", k3sPoolName: "y" };
      expect(planSplit(networksOf(bican("CAN"), first.networkAfter), options).kind).to.equal(
        "already-split",
      );
    });

    it("refuses a second K3s subnet under another FullName", () => {
      const error = userErrorFrom(() =>
        planSplit(networksOf(bican("CAN"), first.networkAfter), { k3sFullName: "Other" }),
      );
      expect(error.message).to.include('already has a subnet "CAN Dynamic MetalLB K3s"');
    });

    it("warns when the K3s subnet stands before the original", () => {
      const reordered = userNetwork("CAN", [first.k3s, first.lower]);
      const plan = planSplit(networksOf(bican("CAN"), reordered));
      expect(plan.kind).to.equal("already-split");
      expect(plan.warnings.join("\n")).to.include(
        'comes before "CAN Dynamic MetalLB" in Subnets[]',
      );
    });

    it("has no CSM pool when the original is gone", () => {
      const plan = planSplit(networksOf(bican("CAN"), userNetwork("CAN", [first.k3s])));
      expect(plan.kind).to.equal("already-split");
      expect(plan).not.to.have.property("csmPool");
    });
  });

  describe("hazard warnings", () => {
    it("warns that a Name containing metallb goes back to CSM, suggesting one without", () => {
      const { warnings } = planSplit(seedSystem(), { k3sName: "k3s_metallb_pool" });
      const warning = warnings.find((text) => text.includes('contains "metallb"'));
      expect(warning).to.include('"k3s_metallb_pool"');
      expect(warning).to.include("e.g. can_k3s_address_pool");
    });

    it("explains the hazard of the seed's own Name once, as a note, not as a warning", () => {
      const { warnings, notes } = planSplit(seedSystem());
      expect(warnings.join("\n")).not.to.include("metallb a CSM MetalLB pool");
      const explained = notes.filter((note) => note.includes("a CSM MetalLB pool"));
      expect(explained).to.have.length(1);
      expect(explained[0]).to.include('"can_metallb_k3s_address_pool" is the seed procedure\'s');
      expect(explained[0]).to.include("--k3s-name can_k3s_address_pool");
    });

    it("does not warn about a Name without metallb", () => {
      const { warnings } = planSplit(seedSystem(), { k3sName: "can_k3s_address_pool" });
      expect(warnings.join("\n")).not.to.include('contains "metallb"');
    });

    it("warns that the CAN-to-CHN migration handles only one pool besides bootstrap_dhcp", () => {
      const { warnings } = planSplit(seedSystem(), { k3sName: "can_k3s_address_pool" });
      expect(warnings).to.deep.equal([
        "CAN holds 2 subnets besides bootstrap_dhcp (can_metallb_address_pool, can_k3s_address_pool); CSM's CAN-to-CHN migration script handles only one. Before such a migration, merge the K3s subnet back into the one it was split from.",
      ]);
    });

    it("warns when the original's Gateway falls outside the lower half", () => {
      const plan = planSplit(seedSystem([dynamicSubnet({ Gateway: "10.102.4.230" })]));
      expect(plan.warnings.join("\n")).to.include(
        "keeps its Gateway 10.102.4.230, which is outside its new CIDR 10.102.4.192/27",
      );
    });
  });
});
