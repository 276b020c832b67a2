import { expect } from "chai";
import { UserError } from "../../core/errors";
import { buildInventory } from "../../inventory/build";
import { exportYaml } from "../../inventory/export-yaml";
import { hostDocument, listDocument } from "../../inventory/protocol";
import { parseScope, scopeInventory } from "../../inventory/scope";
import { parseYaml } from "../../core/yaml";
import { BICAN_CAN, COMPUTE, group, network, node, system, UAN1, UAN2, UAN3 } from "./system";

const XNAME = { hostnames: "xname" } as const;
const NCN = node("x3000c0s1b0n0", "Management", "Master", ["ncn-m001"], 100001);
const COMPUTE2 = node("x1000c0s0b0n1", "Compute", undefined, ["nid000002"], 2);
const CAN = network("CAN", "10.0.0.0/24", [
  {
    Name: "bootstrap_dhcp",
    FullName: "CAN Bootstrap DHCP Subnet",
    CIDR: "10.0.0.0/24",
    VlanID: 6,
    IPReservations: [
      { Name: "uan01", IPAddress: "10.0.0.11", Comment: UAN1.Xname },
      { Name: "ncn-m001", IPAddress: "10.0.0.2", Comment: NCN.Xname },
    ],
  },
]);
const GROUPS = [
  group("k3s_server", [UAN1.Xname]),
  group("k3s_agent", [UAN2.Xname]),
  group("gpu", [UAN3.Xname, COMPUTE2.Xname]),
  group("compute_only", [COMPUTE.Xname]),
];
const whole = () =>
  buildInventory(
    system([UAN1, UAN2, UAN3, NCN, COMPUTE, COMPUTE2], [BICAN_CAN, CAN], GROUPS),
    XNAME,
  );

describe("scopeInventory", () => {
  it("all is the whole inventory, unchanged", () => {
    const inventory = whole();
    expect(scopeInventory(inventory, "all")).to.equal(inventory);
  });

  it("k3s keeps the K3s servers and agents and the UANs, each with all its groups", () => {
    const inventory = whole();
    const scoped = scopeInventory(inventory, "k3s");
    const kept = [UAN1.Xname, UAN2.Xname, UAN3.Xname];
    expect([...scoped.hostvars.keys()]).to.deep.equal(kept);
    // The same groups, in the same order; each holds exactly its kept hosts, in order.
    expect([...scoped.groups.keys()]).to.deep.equal([...inventory.groups.keys()]);
    for (const [name, hosts] of inventory.groups) {
      expect(scoped.groups.get(name), name).to.deep.equal(hosts.filter((h) => kept.includes(h)));
    }
    expect(scoped.groups.get("gpu")).to.deep.equal([UAN3.Xname]);
    expect(scoped.groups.get("Application_UAN")).to.deep.equal(kept);
  });

  it("gives kept hosts exactly their hostvars and all.vars from scope all", () => {
    const inventory = whole();
    const scoped = scopeInventory(inventory, "k3s");
    for (const [host, vars] of scoped.hostvars) {
      expect(vars, host).to.deep.equal(inventory.hostvars.get(host));
    }
    expect(scoped.hostvars.get(UAN1.Xname)).to.include({ can_ip: "10.0.0.11" });
    expect(scoped.vars).to.deep.equal(inventory.vars);
    const list = listDocument(scoped);
    expect(list.all).to.deep.equal(listDocument(inventory).all);
  });

  it("still lists a group whose hosts are all outside the scope, empty", () => {
    const list = listDocument(scopeInventory(whole(), "k3s"));
    expect(list.Compute).to.deep.equal({ hosts: [] });
    expect(list.Management_Master).to.deep.equal({ hosts: [] });
    expect(list.compute_only).to.deep.equal({ hosts: [] });
    expect(list.ungrouped).to.deep.equal({ hosts: [] });
  });

  it("answers --host for a host outside the scope with {}, by xname or alias", () => {
    const scoped = scopeInventory(whole(), "k3s");
    expect(hostDocument(scoped, COMPUTE.Xname)).to.deep.equal({});
    expect(hostDocument(scoped, "nid000001")).to.deep.equal({});
    expect(hostDocument(scoped, "ncn-m001")).to.deep.equal({});
    expect(hostDocument(scoped, "uan02")).to.deep.include({
      xname: { __ansible_unsafe: UAN2.Xname },
    });
  });

  it("a list of groups keeps their members, with every group they belong to", () => {
    const inventory = whole();
    const scoped = scopeInventory(inventory, { groups: ["gpu", "Management_Master"] });
    expect([...scoped.hostvars.keys()]).to.deep.equal([COMPUTE2.Xname, NCN.Xname, UAN3.Xname]);
    expect(scoped.groups.get("Compute")).to.deep.equal([COMPUTE2.Xname]);
    expect(scoped.groups.get("Application_UAN")).to.deep.equal([UAN3.Xname]);
    expect(scoped.groups.get("k3s_server")).to.deep.equal([]);
    expect(scoped.hostvars.get(NCN.Xname)).to.deep.equal(inventory.hostvars.get(NCN.Xname));
  });

  it("refuses a list naming a group the inventory does not have, naming it", () => {
    expect(() => scopeInventory(whole(), { groups: ["gpu", "gpus", "Login"] }))
      .to.throw(UserError, 'scope names groups the inventory does not have: "gpus", "Login"')
      .with.property("hint")
      .that.includes("inventory --graph");
  });

  it("k3s on a system without UANs or K3s nodes is empty, not an error", () => {
    const scoped = scopeInventory(buildInventory(system([COMPUTE]), XNAME), "k3s");
    expect(scoped.hostvars.size).to.equal(0);
    expect(scoped.groups.get("Compute")).to.deep.equal([]);
    expect(scoped.groups.get("k3s_server")).to.deep.equal([]);
  });

  it("the static YAML export honours the scope", () => {
    const scoped = scopeInventory(whole(), "k3s");
    const yaml = exportYaml(scoped, "test");
    const document = parseYaml(yaml, "export").toJS() as {
      all: {
        hosts: Record<string, unknown>;
        children: Record<string, { hosts: Record<string, null> | null }>;
        vars: unknown;
      };
    };
    expect(Object.keys(document.all.hosts)).to.deep.equal([UAN1.Xname, UAN2.Xname, UAN3.Xname]);
    expect(document.all.hosts[UAN1.Xname]).to.deep.equal(scoped.hostvars.get(UAN1.Xname));
    expect(document.all.children).to.have.property("Compute");
    expect(document.all.children.Compute?.hosts ?? {}).to.deep.equal({});
    expect(document.all.vars).to.deep.equal({ sls_user_network: "CAN" });
    expect(yaml).not.to.include(COMPUTE.Xname);
  });

  it("does not mutate the whole inventory", () => {
    const inventory = whole();
    const before = listDocument(inventory);
    scopeInventory(inventory, "k3s");
    scopeInventory(inventory, { groups: ["gpu"] });
    expect(listDocument(inventory)).to.deep.equal(before);
  });
});

describe("parseScope (flag and environment)", () => {
  it("reads all and k3s as keywords, anything else as comma-separated groups", () => {
    expect(parseScope("all", "--scope")).to.equal("all");
    expect(parseScope("k3s", "--scope")).to.equal("k3s");
    expect(parseScope("gpu", "--scope")).to.deep.equal({ groups: ["gpu"] });
    expect(parseScope("k3s_server, gpu,gpu", "--scope")).to.deep.equal({
      groups: ["k3s_server", "gpu"],
    });
  });

  it("refuses an empty name, naming where it came from", () => {
    expect(() => parseScope("gpu,,uan", "UAN_K3S_SCOPE")).to.throw(
      UserError,
      'UAN_K3S_SCOPE: expected all, k3s or group names separated by commas, got "gpu,,uan"',
    );
    expect(() => parseScope("", "--scope")).to.throw(UserError);
  });
});
