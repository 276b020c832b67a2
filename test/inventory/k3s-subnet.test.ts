import { expect } from "chai";
import { fromDump } from "../../csm/file-source";
import { buildInventory } from "../../inventory/build";
import type { SlsDump } from "../../schemas/generated/sls";
import type { SlsSubnet } from "../../schemas/generated/sls";
import { planSplit, renderSplitArtifacts, buildSplitReport, findConflicts } from "../../split";
import { BICAN_CAN, network, node, system, UAN1, UAN2 } from "./system";

const XNAME = { hostnames: "xname" } as const;
const dynamic = (cidr = "10.0.0.192/26"): SlsSubnet => ({
  Name: "can_metallb_address_pool",
  FullName: "CAN Dynamic MetalLB",
  CIDR: cidr,
  VlanID: 6,
  Gateway: "10.0.0.193",
  MetalLBPoolName: "customer-access",
});
const canWith = (...subnets: SlsSubnet[]) => network("CAN", "10.0.0.0/24", subnets);
const range = (start: string, end: string) => ({
  sls_user_network: "CAN",
  metallb_ipaddresspool_range_start: start,
  metallb_ipaddresspool_range_end: end,
});

/** SLS after `uan-k3s split` with these name options. */
function splitWith(options: Parameters<typeof planSplit>[1]) {
  const networks = new Map([
    ["BICAN", BICAN_CAN],
    ["CAN", canWith(dynamic())],
  ]);
  const plan = planSplit(networks, options);
  if (plan.kind !== "split") throw new Error("expected a split");
  return { plan, after: [BICAN_CAN, plan.networkAfter] };
}

describe("the K3s subnet, found the same way by split, the inventory and gen-roles", () => {
  const custom = { k3sFullName: "UAI Pool", k3sName: "can_uai_pool", k3sPoolName: "uai-k3s" };

  it("finds a subnet split made under --k3s-full-name, with no setting, and says how HPE finds it", () => {
    const { after } = splitWith(custom);
    const inventory = buildInventory(system([UAN1], after), XNAME);
    // The pool's name follows the split's --k3s-pool-name.
    expect(inventory.vars).to.deep.equal({
      ...range("10.0.0.225", "10.0.0.254"),
      metallb_ipaddresspool_name: "uai-k3s",
    });
    expect(inventory.warnings.join("\n")).not.to.include("MetalLB");
    expect(inventory.notes.join("\n")).to.include(
      'set sls_can_metallb_fullname to "UAI Pool" in uan-k3s.yaml',
    );
  });

  it("finds it by sls_can_metallb_fullname, whatever its shape", () => {
    const k3s = { Name: "odd", FullName: "Site Pool", CIDR: "10.0.0.32/28", VlanID: 6 };
    const networks = [BICAN_CAN, canWith(dynamic(), k3s)];
    const inventory = buildInventory(system([UAN1], networks), {
      ...XNAME,
      k3sSubnetFullName: "Site Pool",
    });
    expect(inventory.vars).to.deep.equal(range("10.0.0.33", "10.0.0.46"));
    // Without the setting, nothing marks it as the K3s subnet.
    expect(buildInventory(system([UAN1], networks), XNAME).vars).to.deep.equal({
      sls_user_network: "CAN",
    });
  });

  it("warns when sls_can_metallb_fullname names no subnet, and sets no range", () => {
    const { after } = splitWith({});
    const inventory = buildInventory(system([UAN1], after), {
      ...XNAME,
      k3sSubnetFullName: "Missing Pool",
    });
    expect(inventory.vars).to.deep.equal({ sls_user_network: "CAN" });
    expect(inventory.warnings).to.include(
      'sls_can_metallb_fullname is "Missing Pool", but CAN has no subnet of that FullName; MetalLB range not set',
    );
  });

  for (const cidr of ["0.0.0.0/0", "128.0.0.0/1", "10.0.1.0/27"]) {
    it(`sets no MetalLB range from a K3s subnet of ${cidr}, outside the network`, () => {
      const k3s = { Name: "k3s", FullName: "CAN Dynamic MetalLB K3s", CIDR: cidr, VlanID: 6 };
      const inventory = buildInventory(system([UAN1], [BICAN_CAN, canWith(k3s)]), XNAME);
      expect(inventory.vars).to.deep.equal({ sls_user_network: "CAN" });
      expect(inventory.warnings).to.include(
        `CAN subnet "CAN Dynamic MetalLB K3s": ${cidr} is not inside the CAN network's CIDR 10.0.0.0/24; MetalLB range not set`,
      );
    });
  }

  it("a second split agrees with the inventory: already split, the same range", () => {
    const { plan, after } = splitWith(custom);
    const again = planSplit(new Map(after.map((n) => [n.Name, n])));
    expect(again.kind).to.equal("already-split");
    const inventory = buildInventory(system([UAN1], after), XNAME);
    expect(again.range.first).to.equal(inventory.vars.metallb_ipaddresspool_range_start);
    expect(again.range.last).to.equal(inventory.vars.metallb_ipaddresspool_range_end);
    expect(again.k3s).to.deep.equal(plan.k3s);
  });

  it("the split report, its uan_helm.yml and gen-roles' note say the same thing", () => {
    const { plan, after } = splitWith(custom);
    const check = findConflicts(plan, { kind: "List", items: [] });
    const report = buildSplitReport({ plan, check, origin: "sls.json" });
    const step = report.nextSteps.find((s) => s.id === "gen-roles");
    const stepText = (step?.lines ?? []).map((line) => line.value).join("\n");
    const helm = renderSplitArtifacts(plan, { slsOrigin: "sls.json" })["uan_helm.yml"];
    const notes = buildInventory(system([UAN1], after), XNAME).notes;
    const origin = notes.filter((note) => note.includes("MetalLB range"));
    expect(origin).to.have.length(1);
    for (const sentence of notes.filter((note) =>
      /MetalLB range|sls_can_metallb_fullname/.test(note),
    )) {
      expect(stepText).to.include(sentence);
      expect(helm.replace(/\n# /g, " ")).to.include(sentence);
    }
    expect(origin[0]).to.include('CAN subnet "UAI Pool" (10.0.0.224/27)');
    expect(origin[0]).to.include("the generated playbook does not read SLS itself");
    expect(helm).not.to.include("reads this range from SLS by itself");
  });
});

describe("BICAN routing users elsewhere", () => {
  it("says plainly in the inventory that the K3s subnet on CAN will not be used", () => {
    const { after } = splitWith({});
    const [, can] = after;
    const inventory = buildInventory(
      system([UAN1], [network("BICAN", "0.0.0.0/0", [], "CMN"), can]),
      XNAME,
    );
    expect(inventory.vars).to.deep.equal({});
    expect(inventory.warnings).to.include(
      `BICAN's SystemDefaultRoute is "CMN": user traffic reaches the UANs over CMN, so a K3s subnet on CAN will not be used by user traffic. Use the network BICAN routes over, or change BICAN first. The MetalLB range is not set.`,
    );
  });

  it("says CAN or CHN when neither has a K3s subnet yet", () => {
    const inventory = buildInventory(
      system([UAN1], [network("BICAN", "0.0.0.0/0", [], "CMN"), canWith(dynamic())]),
      XNAME,
    );
    expect(inventory.warnings.join("\n")).to.include(
      "so a K3s subnet on CAN or CHN will not be used by user traffic",
    );
  });

  for (const [route, net] of [
    ["CMN", "CAN"],
    ["CAN", "CHN"],
  ] as const) {
    it(`warns in the split report when BICAN routes over ${route} and the split is on ${net}`, () => {
      const chn = { ...canWith({ ...dynamic(), FullName: `${net} Dynamic MetalLB` }), Name: net };
      const networks = new Map([
        ["BICAN", network("BICAN", "0.0.0.0/0", [], route)],
        [net, chn],
      ]);
      const plan = planSplit(networks, { network: net });
      const report = buildSplitReport({
        plan,
        check: findConflicts(plan, { kind: "List", items: [] }),
        origin: "sls.json",
      });
      expect(report.warnings).to.include(
        `BICAN's SystemDefaultRoute is "${route}": user traffic reaches the UANs over ${route}, so a K3s subnet on ${net} will not be used by user traffic. Use the network BICAN routes over, or change BICAN first.`,
      );
    });
  }
});

describe("contradictory SLS data", () => {
  const dump = (hardware: Record<string, ReturnType<typeof node>>): SlsDump => ({
    Hardware: hardware,
    Networks: { BICAN: BICAN_CAN },
  });

  it("warns of a Hardware entry whose key is not its Xname, naming both, and keeps the Xname", () => {
    const sls = fromDump(
      dump({ [UAN1.Xname]: UAN1, x3000c0s99b0n0: UAN2, "uan\u001b[31m": { ...UAN2, Xname: "x9" } }),
    );
    const inventory = buildInventory({ sls, groups: [] }, XNAME);
    expect(inventory.warnings.filter((w) => w.startsWith("SLS Hardware"))).to.deep.equal([
      `SLS Hardware entry "x3000c0s99b0n0" has Xname "${UAN2.Xname}": a dump keys each entry by its Xname; using the Xname, fix the entry in SLS`,
      'SLS Hardware entry "uan\\u001b[31m" has Xname "x9": a dump keys each entry by its Xname; using the Xname, fix the entry in SLS',
    ]);
    expect([...inventory.hostvars.keys()]).to.include(UAN2.Xname);
  });

  it("says nothing when every key is its Xname, and ignores entries that are not nodes", () => {
    const cabinet = { ...node("x3000"), Type: "comptype_cabinet" };
    const sls = fromDump(dump({ [UAN1.Xname]: UAN1, x1: cabinet }));
    expect(sls.warnings).to.equal(undefined);
  });
});

describe("a CAN reservation whose Name and Comment disagree (CSM 1.0 data)", () => {
  const bootstrap = (reservations: { Name: string; IPAddress: string; Comment?: string }[]) =>
    canWith({
      Name: "bootstrap_dhcp",
      FullName: "CAN Bootstrap DHCP Subnet",
      CIDR: "10.0.0.0/24",
      VlanID: 6,
      IPReservations: reservations,
    });
  const canIps = (reservations: Parameters<typeof bootstrap>[0]) => {
    const inventory = buildInventory(
      system([UAN1, UAN2], [BICAN_CAN, bootstrap(reservations)]),
      XNAME,
    );
    return {
      uan01: inventory.hostvars.get(UAN1.Xname)?.can_ip,
      uan02: inventory.hostvars.get(UAN2.Xname)?.can_ip,
      warnings: inventory.warnings.filter((w) => w.startsWith("CAN reservation")),
    };
  };

  it("gives can_ip by Name, as HPE's role does, and warns naming both nodes", () => {
    const result = canIps([{ Name: "uan01", IPAddress: "10.0.0.11", Comment: UAN2.Xname }]);
    expect(result.uan01).to.equal("10.0.0.11");
    expect(result.uan02).to.equal(undefined);
    expect(result.warnings).to.have.length(1);
    expect(result.warnings[0]).to.include(
      `named for ${UAN1.Xname} but its Comment says ${UAN2.Xname}`,
    );
  });

  it("does the same for the older alias-network Name", () => {
    const result = canIps([{ Name: "uan02-can", IPAddress: "10.0.0.12", Comment: UAN1.Xname }]);
    expect([result.uan01, result.uan02]).to.deep.equal([undefined, "10.0.0.12"]);
    expect(result.warnings).to.have.length(1);
  });

  it("prefers the exact Name over alias-network, and that over a Comment alone", () => {
    const result = canIps([
      { Name: "ncn-x", IPAddress: "10.0.0.5", Comment: UAN1.Xname },
      { Name: "uan01-can", IPAddress: "10.0.0.6" },
      { Name: "uan01", IPAddress: "10.0.0.7" },
      { Name: "spare", IPAddress: "10.0.0.8", Comment: UAN2.Xname },
    ]);
    expect([result.uan01, result.uan02]).to.deep.equal(["10.0.0.7", "10.0.0.8"]);
    expect(result.warnings).to.deep.equal([]);
  });

  it("does not warn when Name and Comment agree, or the Comment is no known xname", () => {
    const result = canIps([
      { Name: "uan01", IPAddress: "10.0.0.11", Comment: UAN1.Xname },
      { Name: "uan02", IPAddress: "10.0.0.12", Comment: "uan02 CAN address" },
    ]);
    expect([result.uan01, result.uan02]).to.deep.equal(["10.0.0.11", "10.0.0.12"]);
    expect(result.warnings).to.deep.equal([]);
  });
});
