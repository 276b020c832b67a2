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

/** A CAN network of `cidr` holding `subnets`, routed to by BICAN. */
function canOf(cidr: string, subnets: SlsSubnet[]): Map<string, SlsNetwork> {
  return networksOf(bican("CAN"), userNetwork("CAN", subnets, cidr));
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
        planSplit(canOf("10.102.4.0/22", [dynamicSubnet(), other]), {
          subnet: "CAN Dynamic MetalLB 2",
        }),
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
        planSplit(
          canOf("10.1.1.0/24", [dynamicSubnet({ CIDR: "10.1.1.193/27", Gateway: "10.1.1.193" })]),
        ),
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
      const plan = expectSplit(
        planSplit(canOf("10.0.0.0/24", [dynamicSubnet({ CIDR: "10.0.0.4/30" })])),
      );
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
      expect(error.message).to.include(
        'CAN already has a K3s subnet, "CAN Dynamic MetalLB K3s" 10.102.4.224/27; splitting again under "Other" would halve CSM\'s pool a second time.',
      );
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

describe("planSplit refuses impossible subnets", () => {
  // The seed's CAN network is 10.102.4.128/25; SLS stores any subnet it is sent.
  const outside: [string, string][] = [
    ["0.0.0.0/0", "the whole address space"],
    ["128.0.0.0/1", "half of it"],
    ["10.102.5.0/26", "a neighbouring block"],
    ["10.102.4.0/24", "a block larger than the network"],
    ["10.102.4.64/26", "the block just below the network"],
  ];
  for (const [cidr, what] of outside) {
    it(`never plans a Dynamic MetalLB of ${cidr} (${what}), naming network, subnet and both CIDRs`, () => {
      const error = userErrorFrom(() => planSplit(seedSystem([dynamicSubnet({ CIDR: cidr })])));
      expect(error.message).to.equal(
        `CAN subnet "CAN Dynamic MetalLB" has CIDR ${cidr}, which is not inside the CAN network's CIDR 10.102.4.128/25: its addresses are not the network's to give to K3s.`,
      );
      expect(error.hint).to.include("inside 10.102.4.128/25");
    });
  }

  it("checks a subnet given with --subnet the same way", () => {
    const other = staticPoolSubnet("10.200.0.0/24");
    const error = userErrorFrom(() =>
      planSplit(seedSystem([dynamicSubnet(), other]), { subnet: "CAN Static Pool MetalLB" }),
    );
    expect(error.message).to.include('CAN subnet "CAN Static Pool MetalLB" has CIDR 10.200.0.0/24');
  });

  it("checks the CIDR after canonicalizing host bits: 10.102.4.193/24 is 10.102.4.0/24, outside", () => {
    const error = userErrorFrom(() =>
      planSplit(seedSystem([dynamicSubnet({ CIDR: "10.102.4.193/24" })])),
    );
    expect(error.message).to.include("has CIDR 10.102.4.193/24, which is not inside");
  });

  for (const cidr of [
    "10.102.4.192",
    "10.102.4.192/33",
    "10.102.4.192/-1",
    "10.102.4.300/27",
    "10.102.4.192/27 ",
    "",
  ]) {
    it(`refuses the malformed CIDR ${JSON.stringify(cidr)}`, () => {
      const error = userErrorFrom(() => planSplit(seedSystem([dynamicSubnet({ CIDR: cidr })])));
      expect(error.message).to.match(
        /^CAN subnet "CAN Dynamic MetalLB" has (an unusable CIDR|no CIDR)/,
      );
    });
  }

  const already = (k3sCidr: string) =>
    networksOf(
      bican("CAN"),
      userNetwork("CAN", [
        dynamicSubnet({ CIDR: "10.102.4.192/27" }),
        dynamicSubnet({
          FullName: "CAN Dynamic MetalLB K3s",
          Name: "can_k3s_address_pool",
          MetalLBPoolName: "customer-access-k3s",
          CIDR: k3sCidr,
        }),
      ]),
    );
  for (const cidr of ["0.0.0.0/0", "128.0.0.0/1", "10.102.5.224/27"]) {
    it(`never reports an existing K3s subnet of ${cidr} as split: it is outside the network`, () => {
      const error = userErrorFrom(() => planSplit(already(cidr)));
      expect(error.message).to.equal(
        `CAN subnet "CAN Dynamic MetalLB K3s" has CIDR ${cidr}, which is not inside the CAN network's CIDR 10.102.4.128/25: its addresses are not the network's to give to K3s.`,
      );
    });
  }

  it("refuses the lower half of an already split network when it lies outside", () => {
    const networks = already("10.102.4.224/27");
    const can = networks.get("CAN") as SlsNetwork;
    subnetsOf(can)[0].CIDR = "10.9.9.0/27";
    const error = userErrorFrom(() => planSplit(networks));
    expect(error.message).to.include('CAN subnet "CAN Dynamic MetalLB" has CIDR 10.9.9.0/27');
  });

  const badNetworks: [string | undefined, RegExp][] = [
    [undefined, /^The CAN network has no CIDR \(ExtraProperties\.CIDR\)/],
    ["10.102.4.128", /^The CAN network has an unusable CIDR: 10\.102\.4\.128 has no \/prefix/],
    ["fd00::/64", /^The CAN network has an unusable CIDR: .*IPv6/],
    ["0.0.0.0/0", /^The CAN network's CIDR 0\.0\.0\.0\/0 spans every IPv4 address/],
    ["10.0.0.0/7", /^The CAN network's CIDR 10\.0\.0\.0\/7 spans more than a \/8/],
  ];
  for (const [cidr, message] of badNetworks) {
    it(`refuses a CAN network whose CIDR is ${JSON.stringify(cidr)}: nothing can be checked against it`, () => {
      const network = userNetwork("CAN", [dynamicSubnet()]);
      const extra = network.ExtraProperties as NonNullable<SlsNetwork["ExtraProperties"]>;
      if (cidr === undefined) delete extra.CIDR;
      else extra.CIDR = cidr;
      const error = userErrorFrom(() => planSplit(networksOf(bican("CAN"), network)));
      expect(error.message).to.match(message);
      expect(error.hint).to.include("ExtraProperties.CIDR of the CAN network");
    });
  }

  it("accepts a subnet that is the whole network, and one at its very top", () => {
    expect(planSplit(canOf("10.102.4.192/26", [dynamicSubnet()])).kind).to.equal("split");
    const top = dynamicSubnet({ CIDR: "10.102.4.252/30" });
    expect(expectSplit(planSplit(canOf("10.102.4.128/25", [top]))).k3s.CIDR).to.equal(
      "10.102.4.254/31",
    );
  });
});

describe("planSplit holds new names to CSM's shapes", () => {
  const refused: [string, Record<string, string>][] = [
    ["a Name with a newline", { k3sName: "can_k3s\nInjected: 1" }],
    ["a Name with an escape code", { k3sName: "can_k3s\u001b[31m" }],
    ["a Name with a capital", { k3sName: "CAN_k3s" }],
    ["a Name with a space", { k3sName: "can k3s" }],
    ["a Name with a hyphen", { k3sName: "can-k3s" }],
    ["a Name starting with a digit", { k3sName: "6can" }],
    ["a Name of 64 characters", { k3sName: `c${"a".repeat(63)}` }],
    ["a pool with a shell command", { k3sPoolName: "; rm -rf /" }],
    ["a pool with an underscore", { k3sPoolName: "customer_access_k3s" }],
    ["a pool ending in a hyphen", { k3sPoolName: "customer-access-" }],
    ["a pool with a capital", { k3sPoolName: "Customer-access-k3s" }],
    ["a pool of 64 characters", { k3sPoolName: "a".repeat(64) }],
    ["a FullName with a newline", { k3sFullName: "CAN K3s\nsecond line" }],
    ["a FullName with a tab", { k3sFullName: "CAN\tK3s" }],
    ["a FullName with Jinja", { k3sFullName: "CAN {{ lookup('pipe','id') }}" }],
    ["a FullName with a trailing space", { k3sFullName: "CAN K3s " }],
    ["a FullName with two spaces", { k3sFullName: "CAN  K3s" }],
    ["a FullName with a quote", { k3sFullName: 'CAN "K3s"' }],
    ["a FullName of 129 characters", { k3sFullName: `C${"a".repeat(128)}` }],
  ];
  for (const [what, options] of refused) {
    it(`refuses ${what}, naming the flag, the field and the shape`, () => {
      const error = userErrorFrom(() => planSplit(seedSystem(), options));
      const [key, value] = Object.entries(options)[0];
      const flag = {
        k3sName: "--k3s-name",
        k3sPoolName: "--k3s-pool-name",
        k3sFullName: "--k3s-full-name",
      }[key];
      expect(error.message).to.include(`${flag} ${JSON.stringify(value)} is not a subnet`);
      expect(error.message).not.to.match(/[\n\t\u001b]/);
      expect(error.hint).to.include(flag);
    });
  }

  it("accepts the shapes CSM uses", () => {
    const plan = expectSplit(
      planSplit(seedSystem(), {
        k3sName: "can_k3s_address_pool_2",
        k3sPoolName: "customer-access-k3s-2",
        k3sFullName: "CAN Dynamic MetalLB K3s-2 v1.0",
      }),
    );
    expect(plan.k3s).to.include({
      Name: "can_k3s_address_pool_2",
      MetalLBPoolName: "customer-access-k3s-2",
      FullName: "CAN Dynamic MetalLB K3s-2 v1.0",
    });
  });

  it("leaves --subnet alone: it names a subnet SLS already has", () => {
    const odd = dynamicSubnet({ FullName: "CAN  Dynamic (old)" });
    expect(planSplit(seedSystem([odd]), { subnet: "CAN  Dynamic (old)" }).kind).to.equal("split");
  });
});

describe("planSplit finds a K3s subnet made under another FullName", () => {
  const custom = { k3sFullName: "UAI Pool", k3sName: "can_uai_pool", k3sPoolName: "uai-k3s" };
  const first = expectSplit(planSplit(seedSystem(), custom));
  const after = networksOf(bican("CAN"), first.networkAfter);

  it("a second run without the option: already split, never CSM's pool halved again", () => {
    const again = planSplit(after);
    expect(again.kind).to.equal("already-split");
    expect(again.k3s).to.deep.equal(first.k3s);
    expect(again.range).to.deep.equal(first.range);
    expect(again.csmPool).to.deep.equal(first.csmPool);
    expect(again.notes.join("\n")).to.include(
      'set sls_can_metallb_fullname to "UAI Pool" in uan-k3s.yaml and in CFS',
    );
  });

  it("a second run with the same option finds it by FullName, with no note about it", () => {
    const again = planSplit(after, { k3sFullName: "UAI Pool" });
    expect(again.kind).to.equal("already-split");
    expect(again.notes.join("\n")).not.to.include("sls_can_metallb_fullname");
  });

  it("a run with yet another FullName is refused, naming the subnet there is", () => {
    const error = userErrorFrom(() => planSplit(after, { k3sFullName: "Other Pool" }));
    expect(error.message).to.include('CAN already has a K3s subnet, "UAI Pool" 10.102.4.224/27');
    expect(error.hint).to.include('"UAI Pool"');
  });

  it("finds it by any one k3s mark: FullName, Name or pool", () => {
    for (const names of [
      { k3sFullName: "Pool K3S", k3sName: "can_uai", k3sPoolName: "uai" },
      { k3sFullName: "Pool", k3sName: "can_k3s", k3sPoolName: "uai" },
      { k3sFullName: "Pool", k3sName: "can_uai", k3sPoolName: "uai-k3s" },
    ]) {
      const split = expectSplit(planSplit(seedSystem(), names));
      expect(planSplit(networksOf(bican("CAN"), split.networkAfter)).kind).to.equal(
        "already-split",
      );
    }
  });

  it("does not take a CSM pool in the upper half for a K3s subnet", () => {
    const unmarked = [
      // a static pool beside the dynamic one, as a site may lay them out
      staticPoolSubnet("10.102.4.224/27"),
      // marked, but holding a reservation: a split never makes one
      {
        ...staticPoolSubnet("10.102.4.224/27"),
        MetalLBPoolName: "k3s",
        IPReservations: [{ Name: "x", IPAddress: "10.102.4.230" }],
      },
      // marked, but on another VLAN
      { ...staticPoolSubnet("10.102.4.224/27"), Name: "k3s", VlanID: 7 },
    ];
    for (const upper of unmarked) {
      const networks = seedSystem([dynamicSubnet({ CIDR: "10.102.4.192/27" }), upper]);
      expect(planSplit(networks).kind, JSON.stringify(upper)).to.equal("split");
    }
  });
});
