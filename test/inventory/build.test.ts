import { expect } from "chai";
import { UserError } from "../../core/errors";
import { buildInventory } from "../../inventory/build";
import * as YAML from "yaml";
import { parseYaml } from "../../core/yaml";
import { exportYaml } from "../../inventory/export-yaml";
import { hostDocument, listDocument, listJson } from "../../inventory/protocol";
import { BICAN_CAN, COMPUTE, group, network, node, system, UAN1, UAN2, UAN3 } from "./system";

const XNAME = { hostnames: "xname" } as const;
const can = (subnets: Parameters<typeof network>[2]) => network("CAN", "10.0.0.0/24", subnets);
const bootstrap = (reservations: { Name: string; IPAddress: string; Comment?: string }[]) => ({
  Name: "bootstrap_dhcp",
  FullName: "CAN Bootstrap DHCP Subnet",
  CIDR: "10.0.0.0/24",
  VlanID: 6,
  IPReservations: reservations,
});

describe("buildInventory", () => {
  it("makes role groups, sorts hosts the way admins read xnames, and fills hostvars", () => {
    const inventory = buildInventory(system([UAN3, COMPUTE, UAN2, UAN1], [BICAN_CAN]), XNAME);
    expect([...inventory.groups.keys()]).to.deep.equal([
      "Application",
      "Application_UAN",
      "Compute",
      "k3s_agent",
      "k3s_server",
      "ungrouped",
    ]);
    expect(inventory.groups.get("Application_UAN")).to.deep.equal([
      "x3000c0s9b0n0",
      "x3000c0s11b0n0",
      "x3000c0s13b0n0",
    ]);
    expect(inventory.groups.get("ungrouped")).to.deep.equal([]);
    expect(inventory.hostvars.get("x1000c0s0b0n0")).to.deep.equal({
      xname: "x1000c0s0b0n0",
      hostname: "nid000001",
      aliases: ["nid000001"],
      role: "Compute",
      nid: 1,
      cray_cfs_image: false,
    });
    expect(inventory.vars).to.deep.equal({ sls_user_network: "CAN" });
  });

  it("uses the installer's default designation when HSM has no k3s groups, and says so", () => {
    const inventory = buildInventory(system([UAN3, UAN1, UAN2]), XNAME);
    expect(inventory.k3s.source).to.equal("default");
    expect(inventory.groups.get("k3s_server")).to.deep.equal(["x3000c0s9b0n0"]);
    expect(inventory.groups.get("k3s_agent")).to.deep.equal(["x3000c0s11b0n0", "x3000c0s13b0n0"]);
    expect(inventory.notes.join("\n")).to.include("installer's default");
    // One server is the seed's own design: a note, never a warning Ansible would show as [ERROR].
    expect(inventory.notes.join("\n")).to.include("k3s_server has 1 node, as the seed");
    expect(inventory.warnings).to.deep.equal([]);
  });

  it("takes the HSM k3s groups when either has members", () => {
    const groups = [
      group("k3s_server", [UAN1.Xname, UAN2.Xname, UAN3.Xname]),
      group("k3s_agent", []),
    ];
    const inventory = buildInventory(system([UAN1, UAN2, UAN3], [], groups), XNAME);
    expect(inventory.k3s.source).to.equal("hsm");
    expect(inventory.groups.get("k3s_server")).to.have.length(3);
    expect(inventory.groups.get("k3s_agent")).to.deep.equal([]);
    expect(inventory.warnings).to.deep.equal([]);
  });

  it("warns about an even server count and about non-UAN members", () => {
    const groups = [group("k3s_server", [UAN1.Xname, COMPUTE.Xname])];
    const { warnings } = buildInventory(system([UAN1, COMPUTE], [], groups), XNAME);
    expect(warnings.join("\n")).to.include("k3s_server has 2 nodes: an even count");
    expect(warnings.join("\n")).to.include(
      `not Application_UAN nodes in SLS, yet designated for K3s: ${COMPUTE.Xname}`,
    );
  });

  it("refuses a node that is both server and agent, naming it and the fix", () => {
    const groups = [
      group("k3s_server", [UAN1.Xname]),
      group("k3s_agent", [UAN1.Xname, UAN2.Xname]),
    ];
    expect(() => buildInventory(system([UAN1, UAN2], [], groups), XNAME))
      .to.throw(UserError, `${UAN1.Xname} is both K3s server and agent`)
      .with.property("hint")
      .that.includes("exclusiveGroup");
  });

  it("lets the config file's explicit list beat HSM, by alias or xname", () => {
    const groups = [group("k3s_server", [UAN1.Xname])];
    const inventory = buildInventory(system([UAN1, UAN2, UAN3], [], groups), {
      hostnames: "xname",
      k3s: { servers: ["uan02", UAN3.Xname, "uan01"], agents: [], origin: "/etc/uan-k3s.yaml" },
    });
    expect(inventory.k3s.source).to.equal("config");
    expect(inventory.groups.get("k3s_server")).to.deep.equal([UAN1.Xname, UAN2.Xname, UAN3.Xname]);
  });

  it("names the config file and path of an unknown node in the explicit list", () => {
    expect(() =>
      buildInventory(system([UAN1]), {
        hostnames: "xname",
        k3s: { servers: ["uan09"], origin: "u.yaml" },
      }),
    ).to.throw(UserError, 'u.yaml: /k3s/servers/0: no node named "uan09" in SLS');
  });

  it("skips HSM groups whose labels Ansible would drop, with a warning", () => {
    const groups = [group("login-nodes", [UAN1.Xname]), group("uan_pool", [UAN1.Xname])];
    const inventory = buildInventory(system([UAN1], [], groups), XNAME);
    expect(inventory.groups.has("login-nodes")).to.equal(false);
    expect(inventory.groups.get("uan_pool")).to.deep.equal([UAN1.Xname]);
    expect(inventory.warnings.join("\n")).to.include(
      'HSM group "login-nodes" is not a valid Ansible group name',
    );
  });

  it("keeps HSM members that SLS does not know as bare hosts, with a warning", () => {
    const groups = [group("extra", ["x9000c0s0b0n0"])];
    const inventory = buildInventory(system([UAN1], [], groups), XNAME);
    expect(inventory.groups.get("extra")).to.deep.equal(["x9000c0s0b0n0"]);
    expect(inventory.hostvars.get("x9000c0s0b0n0")).to.deep.equal({
      xname: "x9000c0s0b0n0",
      hostname: "x9000c0s0b0n0",
      aliases: [],
      cray_cfs_image: false,
    });
    expect(inventory.warnings.join("\n")).to.include("HSM group members not in SLS");
  });

  it("puts nodes without a role in ungrouped", () => {
    const bare = node("x3000c0s40b0n0");
    const inventory = buildInventory(system([bare, UAN1]), XNAME);
    expect(inventory.groups.get("ungrouped")).to.deep.equal([bare.Xname]);
  });

  it("names hosts by alias on request, and --host accepts xname or alias", () => {
    const inventory = buildInventory(system([UAN1, UAN2]), { hostnames: "alias" });
    expect(inventory.groups.get("Application_UAN")).to.deep.equal(["uan01", "uan02"]);
    expect(hostDocument(inventory, UAN2.Xname)).to.deep.include({
      hostname: { __ansible_unsafe: "uan02" },
      xname: { __ansible_unsafe: UAN2.Xname },
    });
    expect(hostDocument(inventory, "uan02")).to.deep.include({
      xname: { __ansible_unsafe: UAN2.Xname },
    });
    expect(hostDocument(inventory, "nonesuch")).to.deep.equal({});
  });

  it("refuses two nodes that would share a host name", () => {
    const twin = node("x3000c0s15b0n0", "Application", "UAN", ["uan01"]);
    expect(() => buildInventory(system([UAN1, twin]), { hostnames: "alias" })).to.throw(
      UserError,
      `SLS nodes ${UAN1.Xname} and x3000c0s15b0n0 would both be host "uan01"`,
    );
  });

  it("finds addresses by Name (alias, then alias-network), and by Comment=xname only for the rest", () => {
    const inventory = buildInventory(
      system(
        [UAN1, UAN2, UAN3],
        [
          can([
            bootstrap([
              { Name: "uan01", IPAddress: "10.0.0.11", Comment: UAN1.Xname },
              { Name: "uan02-can", IPAddress: "10.0.0.12" },
              // Named for uan03, but the Comment says it is uan02's: the Name wins, as on the node.
              { Name: "uan03", IPAddress: "10.0.0.99", Comment: UAN2.Xname },
              { Name: "uan03-can", IPAddress: "10.0.0.13" },
            ]),
          ]),
          network("NMN", "10.1.0.0/24", [
            {
              Name: "bootstrap_dhcp",
              FullName: "NMN",
              CIDR: "10.1.0.0/24",
              IPReservations: [{ Name: "uan01-nmn", IPAddress: "10.1.0.11" }],
            },
          ]),
        ],
      ),
      XNAME,
    );
    expect(inventory.hostvars.get(UAN1.Xname)).to.include({
      can_ip: "10.0.0.11",
      nmn_ip: "10.1.0.11",
    });
    expect(inventory.hostvars.get(UAN2.Xname)).to.include({ can_ip: "10.0.0.12" });
    expect(inventory.hostvars.get(UAN3.Xname)).to.include({ can_ip: "10.0.0.99" });
    expect(inventory.warnings.filter((w) => w.startsWith("CAN"))).to.deep.equal([
      `CAN reservation uan03 (10.0.0.99) is named for ${UAN3.Xname} but its Comment says ${UAN2.Xname}; can_ip of ${UAN3.Xname} is this address, as HPE's UAN network role matches by Name, and ${UAN2.Xname} does not get it`,
    ]);
  });

  it("sets the MetalLB range from the K3s subnet's first to last usable address", () => {
    const k3s = {
      Name: "can_metallb_k3s_address_pool",
      FullName: "CAN Dynamic MetalLB K3s",
      CIDR: "10.0.0.224/27",
      VlanID: 6,
    };
    const inventory = buildInventory(system([UAN1], [BICAN_CAN, can([k3s])]), XNAME);
    expect(inventory.vars).to.deep.equal({
      sls_user_network: "CAN",
      metallb_ipaddresspool_range_start: "10.0.0.225",
      metallb_ipaddresspool_range_end: "10.0.0.254",
    });
  });

  it("looks for the K3s subnet in CAN when there is no BICAN, and notes the missing BICAN", () => {
    const k3s = { Name: "k3s", FullName: "CAN Dynamic MetalLB K3s", CIDR: "10.0.0.192/26" };
    const inventory = buildInventory(system([UAN1], [can([k3s])]), XNAME);
    expect(inventory.vars).to.deep.equal({
      metallb_ipaddresspool_range_start: "10.0.0.193",
      metallb_ipaddresspool_range_end: "10.0.0.254",
    });
    expect(inventory.notes.join("\n")).to.include("no BICAN network");
  });

  it("warns when BICAN routes users over something other than CAN or CHN", () => {
    const inventory = buildInventory(
      system([UAN1], [network("BICAN", "0.0.0.0/0", [], "CMN")]),
      XNAME,
    );
    expect(inventory.vars).to.deep.equal({});
    expect(inventory.warnings.join("\n")).to.include('SystemDefaultRoute is "CMN"');
  });

  it("prints every group as {hosts: [...]} and all hostvars under _meta", () => {
    const document = listDocument(buildInventory(system([UAN1, COMPUTE]), XNAME));
    expect(document.k3s_agent).to.deep.equal({ hosts: [] });
    expect(document.all).to.deep.include({ vars: {} });
    expect(Object.keys((document._meta as { hostvars: object }).hostvars)).to.deep.equal([
      COMPUTE.Xname,
      UAN1.Xname,
    ]);
  });

  it("does not mutate its input and gives the same output twice", () => {
    const input = system([UAN2, UAN1], [BICAN_CAN], [group("k3s_server", [UAN1.Xname])]);
    const before = JSON.stringify({
      nodes: input.sls.nodes,
      groups: input.groups,
      nets: [...input.sls.networks],
    });
    const first = JSON.stringify(listDocument(buildInventory(input, XNAME)));
    const second = JSON.stringify(listDocument(buildInventory(input, XNAME)));
    expect(second).to.equal(first);
    expect(
      JSON.stringify({
        nodes: input.sls.nodes,
        groups: input.groups,
        nets: [...input.sls.networks],
      }),
    ).to.equal(before);
  });
});

describe("data from SLS and HSM stays data", () => {
  const PAYLOADS = [
    "{{ lookup('pipe', 'id') }}",
    "{% if lookup('pipe', 'id') %}{% endif %}",
    "#jinja2:variable_start_string:'[['\n[[ lookup('pipe', 'id') ]]",
    "uan01 ansible_host=10.0.0.1",
    "a,b",
    "web[01:10]",
    "\u001b]2;owned\u0007",
    "-uan",
    "",
  ];

  it("skips a node whose xname is not a plain host name, with a warning", () => {
    // "-uan" and "" would still make a plain name after an xname.
    for (const payload of PAYLOADS.filter((text) => text !== "" && text !== "-uan")) {
      const bad = node(`x3000c0s7b0n0${payload}`, "Application", "UAN", ["uan07"]);
      const inventory = buildInventory(system([UAN1, bad]), XNAME);
      expect([...inventory.hostvars.keys()], payload).to.deep.equal([UAN1.Xname]);
      expect(inventory.groups.get("k3s_agent"), payload).to.deep.equal([]);
      expect(inventory.warnings.join("\n")).to.include("is not a plain host name; skipped");
    }
  });

  it("keeps the xname as host name when the alias is not a plain host name", () => {
    for (const payload of PAYLOADS.filter((text) => text !== "")) {
      const odd = node("x3000c0s7b0n0", "Application", "UAN", [payload]);
      const inventory = buildInventory(system([UAN1, odd]), { hostnames: "alias" });
      expect([...inventory.hostvars.keys()], payload).to.have.members(["x3000c0s7b0n0", "uan01"]);
      expect(inventory.hostvars.get("x3000c0s7b0n0")?.hostname).to.equal(payload);
      expect(inventory.warnings.join("\n")).to.include("the host keeps its xname");
    }
  });

  it("skips HSM members unknown to SLS whose names are not plain, or are another host's", () => {
    for (const payload of [...PAYLOADS.filter((text) => text !== ""), "uan01"]) {
      const groups = [group("extra", [payload, UAN1.Xname]), group("k3s_agent", [payload])];
      const inventory = buildInventory(system([UAN1], [], groups), { hostnames: "alias" });
      expect(inventory.groups.get("extra"), payload).to.deep.equal(["uan01"]);
      expect(inventory.groups.get("k3s_agent"), payload).to.deep.equal([]);
      expect(inventory.hostvars.get("uan01")?.xname, payload).to.equal(UAN1.Xname);
      expect(inventory.warnings.join("\n")).to.include("HSM group members skipped");
    }
  });

  it("--list and --host mark every string value unsafe, in hostvars and all.vars", () => {
    for (const payload of PAYLOADS) {
      const odd = node("x3000c0s7b0n0", "Application", payload, ["uan07", payload]);
      const net = network("CAN", "10.0.0.0/24", [
        bootstrap([{ Name: "uan07", IPAddress: payload, Comment: "x3000c0s7b0n0" }]),
      ]);
      const inventory = buildInventory(system([odd], [BICAN_CAN, net]), XNAME);
      const text = JSON.stringify(listDocument(inventory));
      const document = JSON.parse(text) as {
        all: { vars: Record<string, unknown> };
        _meta: { hostvars: Record<string, Record<string, unknown>> };
      };
      const wrap = (value: string) => ({ __ansible_unsafe: value });
      const expected = {
        xname: wrap("x3000c0s7b0n0"),
        hostname: wrap("uan07"),
        // An empty alias is dropped, as before.
        aliases: payload === "" ? [wrap("uan07")] : [wrap("uan07"), wrap(payload)],
        role: wrap("Application"),
        subrole: wrap(payload),
        cray_cfs_image: false,
        can_ip: wrap(payload),
      };
      expect(document._meta.hostvars["x3000c0s7b0n0"], payload).to.deep.equal(expected);
      expect(document.all.vars).to.deep.equal({ sls_user_network: wrap("CAN") });
      expect(JSON.parse(JSON.stringify(hostDocument(inventory, "uan07")))).to.deep.equal(expected);
    }
  });

  it("the YAML export tags every string value !unsafe, and PyYAML-style readers get the text back", () => {
    for (const payload of PAYLOADS) {
      const odd = node("x3000c0s7b0n0", "Application", payload, ["uan07", payload]);
      const inventory = buildInventory(system([odd], [BICAN_CAN]), XNAME);
      const yaml = exportYaml(inventory, "test");
      const unsafe = { tag: "!unsafe", resolve: (value: string): string => value };
      let tagged = 0;
      const document = parseYaml(yaml, "export", { version: "1.1", customTags: [unsafe] });
      YAML.visit(document, {
        Scalar: (key, scalar) => {
          if (key === "key" || scalar.value === null) return;
          if (typeof scalar.value === "string") {
            expect(scalar.tag, String(scalar.value)).to.equal("!unsafe");
            tagged += 1;
          }
        },
      });
      // xname, hostname, two aliases, role, subrole, sls_user_network
      expect(tagged, payload).to.equal(payload === "" ? 6 : 7);
      const data = document.toJS() as {
        all: { hosts: Record<string, Record<string, unknown>> };
      };
      expect(data.all.hosts["x3000c0s7b0n0"]).to.include({ subrole: payload });
    }
  });
});

describe("a group from data cannot replace another", () => {
  const K3S = {
    Name: "can_metallb_k3s_address_pool",
    FullName: "CAN Dynamic MetalLB K3s",
    CIDR: "10.0.0.224/27",
    VlanID: 6,
  };
  const RANGE = {
    sls_user_network: "CAN",
    metallb_ipaddresspool_range_start: "10.0.0.225",
    metallb_ipaddresspool_range_end: "10.0.0.254",
  };
  const wrapped = (vars: Record<string, string>) =>
    Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, { __ansible_unsafe: v }]));

  for (const label of ["all", "ungrouped", "_meta"]) {
    it(`refuses an HSM group and a role named ${label}, keeping all, its vars and _meta`, () => {
      const roleNode = node("x3000c0s7b0n0", label, undefined, ["odd"]);
      const inventory = buildInventory(
        system([UAN1, COMPUTE, roleNode], [BICAN_CAN, can([K3S])], [group(label, [COMPUTE.Xname])]),
        XNAME,
      );
      expect(inventory.warnings.join("\n")).to.include(
        `HSM group ${JSON.stringify(label)} is a group name uan-k3s reserves; skipped`,
      );
      expect(inventory.warnings.join("\n")).to.include(
        `role group ${JSON.stringify(label)} is a group name uan-k3s reserves; skipped`,
      );
      const document = JSON.parse(JSON.stringify(listDocument(inventory))) as Record<
        string,
        { hosts?: string[]; vars?: object; children?: string[]; hostvars?: object }
      >;
      expect(document.all?.vars).to.deep.equal(wrapped(RANGE));
      expect(document.all?.children)
        .to.include("k3s_server")
        .and.not.include("all")
        .and.not.include("_meta");
      expect(Object.keys(document._meta?.hostvars ?? {})).to.have.length(3);
      expect(document.ungrouped?.hosts).to.deep.equal([roleNode.Xname]);
      expect(document.Compute?.hosts).to.deep.equal([COMPUTE.Xname]);
    });
  }

  it("a role group cannot take the K3s groups' names", () => {
    for (const role of ["k3s_server", "k3s_agent"]) {
      const odd = node("x3000c0s7b0n0", role, undefined, ["odd"]);
      const inventory = buildInventory(system([UAN1, odd]), XNAME);
      expect(inventory.groups.get("k3s_server"), role).to.deep.equal([UAN1.Xname]);
      expect(inventory.groups.get("k3s_agent"), role).to.deep.equal([]);
    }
  });

  it("keeps labels that name Object.prototype members as ordinary groups", () => {
    const labels = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];
    const inventory = buildInventory(
      system(
        [UAN1, COMPUTE],
        [BICAN_CAN, can([K3S])],
        labels.map((label) => group(label, [COMPUTE.Xname])),
      ),
      XNAME,
    );
    const text = JSON.stringify(listDocument(inventory));
    const document = JSON.parse(text) as Record<string, { hosts?: string[]; vars?: object }>;
    for (const label of labels) {
      expect(Object.prototype.hasOwnProperty.call(document, label), label).to.equal(true);
      expect(document[label]?.hosts, label).to.deep.equal([COMPUTE.Xname]);
    }
    expect(document.all?.vars).to.deep.equal(wrapped(RANGE));
    expect(document.k3s_server?.hosts).to.deep.equal([UAN1.Xname]);
    const yaml = parseYaml(exportYaml(inventory, "test"), "export", {
      version: "1.1",
      customTags: [{ tag: "!unsafe", resolve: (value: string): string => value }],
    });
    const children = (yaml.toJS() as { all: { children: Record<string, unknown> } }).all.children;
    for (const label of labels) {
      expect(Object.prototype.hasOwnProperty.call(children, label), label).to.equal(true);
      expect(children[label], label).to.deep.equal({ hosts: { [COMPUTE.Xname]: null } });
    }
  });
});

describe("networks whose names give one variable", () => {
  const reserving = (name: string, address: string) =>
    network(name, "10.0.0.0/24", [
      {
        Name: "bootstrap_dhcp",
        FullName: name,
        CIDR: "10.0.0.0/24",
        IPReservations: [{ Name: "uan01", IPAddress: address, Comment: UAN1.Xname }],
      },
    ]);

  it("sets neither and warns, instead of the last one silently winning", () => {
    const cases: [string[], string][] = [
      [["CAN", "can"], "can_ip"],
      [["NMN_RVR", "nmn-rvr", "NMN.RVR"], "nmn_rvr_ip"],
      [["HMN", "hmn"], "hmn_ip"],
    ];
    for (const [names, variable] of cases) {
      const nets = names.map((name, index) => reserving(name, `10.0.0.${index + 1}`));
      const inventory = buildInventory(
        system([UAN1], [...nets, reserving("CMN", "10.9.9.9")]),
        XNAME,
      );
      const vars = inventory.hostvars.get(UAN1.Xname) ?? {};
      expect(vars, variable).not.to.have.property(variable);
      expect(vars).to.include({ cmn_ip: "10.9.9.9" });
      expect(inventory.warnings.join("\n")).to.include(`would all set ${variable}; it is not set`);
    }
  });

  it("does not set a variable whose name Ansible would reject", () => {
    const inventory = buildInventory(system([UAN1], [reserving("5G", "10.0.0.5")]), XNAME);
    expect(inventory.hostvars.get(UAN1.Xname)).not.to.have.property("5g_ip");
    expect(inventory.warnings.join("\n")).to.include('network "5G" would set 5g_ip');
  });
});

describe("listJson", () => {
  it("is listDocument as JSON, whatever the number of hosts (written in pieces)", () => {
    for (const count of [0, 1, 999, 1000, 1001, 2500]) {
      const nodes = Array.from({ length: count }, (_, i) =>
        node(`x1000c0s${i}b0n0`, "Compute", undefined, [`nid${i}`], i),
      );
      const inventory = buildInventory(system(nodes, [BICAN_CAN]), XNAME);
      const text = [...listJson(inventory)].join("");
      expect(text, String(count)).to.equal(`${JSON.stringify(listDocument(inventory))}\n`);
      expect(
        Object.keys((JSON.parse(text) as { _meta: { hostvars: object } })._meta.hostvars),
      ).to.have.length(count);
    }
  });
});
