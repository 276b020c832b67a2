import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HsmGroup } from "../../schemas/generated/hsm";
import type { SlsDump, SlsHardware } from "../../schemas/generated/sls";
import { needs } from "../tools";
import { INVENTORY_SCRIPT, run, SEED, tempDir, UAN_K3S } from "./exec";

// An attack run found that SLS and HSM strings reached Ansible verbatim and were templated:
// a play that printed only `{{ inventory_hostname }}` ran lookup('pipe', ...) on the
// controller. Each payload below tries to create its own marker file; none may exist after a
// real ansible-playbook run, and every value a play prints must be the literal text.

const STRICT = {
  ANSIBLE_INVENTORY_UNPARSED_FAILED: "true",
  ANSIBLE_PYTHON_INTERPRETER: "/usr/bin/python3",
};

interface Hostile {
  readonly sls: string;
  readonly hsm: string;
  readonly markers: readonly string[];
  /** xname → the literal values a play must print for it. */
  readonly expected: ReadonlyMap<string, Record<string, unknown>>;
}

/** The seed system with a payload in every kind of string SLS and HSM hand us. */
function hostileSystem(dir: string): Hostile {
  const markers: string[] = [];
  const touch = (name: string): string => {
    const marker = join(dir, `marker-${name}`);
    markers.push(marker);
    return `lookup('pipe', 'touch ${marker}')`;
  };
  const sls = JSON.parse(readFileSync(SEED.sls, "utf8")) as SlsDump;
  const hardware = sls.Hardware as Record<string, SlsHardware>;
  const extra = (xname: string): NonNullable<SlsHardware["ExtraProperties"]> =>
    hardware[xname]?.ExtraProperties as NonNullable<SlsHardware["ExtraProperties"]>;

  const alias = `{{ ${touch("alias")} }}`;
  // A string without a brace: a "#jinja2:" header redefines the delimiters in a template
  // (ansible-core 2.14 did not honour it in a variable in a quick check; tried all the same).
  const override = `#jinja2:variable_start_string:'[[', variable_end_string:']]'\n[[ ${touch("override")} ]]`;
  extra("x3000c0s9b0n0").Aliases = [alias, override];
  const statement = `{% if ${touch("statement")} %}{% endif %}`;
  extra("x1000c0s0b0n0").Role = statement;
  const subrole = `{{ ${touch("subrole")} }}`;
  extra("x3000c0s1b0n0").SubRole = subrole;
  // A node whose xname is the payload: it cannot be a host at all.
  const xname = `x3000c0s30b0n0{{ ${touch("xname")} }}`;
  hardware[xname] = {
    Xname: xname,
    Type: "comptype_node",
    Class: "River",
    ExtraProperties: { Role: "Application", SubRole: "UAN", Aliases: ["uan09"] },
  };
  // An address (the reservation with the node's xname as Comment, listed first, wins) and a
  // network name that becomes a variable name.
  const address = `{{ ${touch("address")} }}`;
  const can = sls.Networks.CAN?.ExtraProperties?.Subnets?.find(
    (subnet) => subnet.Name === "bootstrap_dhcp",
  );
  can?.IPReservations?.unshift({ Name: "uan02", IPAddress: address, Comment: "x3000c0s11b0n0" });
  const network = `{{ ${touch("network")} }}`;
  sls.Networks[network] = {
    Name: network,
    FullName: network,
    IPRanges: ["10.9.0.0/24"],
    Type: "ethernet",
    ExtraProperties: {
      CIDR: "10.9.0.0/24",
      Subnets: [
        {
          Name: "bootstrap_dhcp",
          FullName: network,
          CIDR: "10.9.0.0/24",
          IPReservations: [{ Name: "uan03", IPAddress: "10.9.0.13", Comment: "x3000c0s13b0n0" }],
        },
      ],
    },
  };

  const groups = JSON.parse(readFileSync(SEED.hsm, "utf8")) as HsmGroup[];
  groups.push(
    // A member SLS does not know, and a label, each a payload.
    { label: "extra", members: { ids: [`{{ ${touch("member")} }}`, "x3000c0s13b0n0"] } },
    { label: `{{ ${touch("label")} }}`, members: { ids: ["x3000c0s13b0n0"] } },
  );

  const slsFile = join(dir, "sls.json");
  const hsmFile = join(dir, "hsm-groups.json");
  writeFileSync(slsFile, JSON.stringify(sls));
  writeFileSync(hsmFile, JSON.stringify(groups));
  return {
    sls: slsFile,
    hsm: hsmFile,
    markers,
    expected: new Map<string, Record<string, unknown>>([
      ["x3000c0s9b0n0", { hostname: alias, aliases: [alias, override] }],
      ["x1000c0s0b0n0", { role: statement }],
      ["x3000c0s1b0n0", { subrole }],
      ["x3000c0s11b0n0", { can_ip: address }],
    ]),
  };
}

/**
 * Prints each host's name and variables, and writes them all as JSON for the test to read.
 * debug and set_fact run in the controller; the one copy (a module, a Python process) runs
 * once for all hosts, so the play costs seconds, not a module run per host.
 */
const PLAY = [
  "- hosts: all",
  "  connection: local",
  "  gather_facts: false",
  "  tasks:",
  "    - ansible.builtin.debug:",
  '        msg: "{{ inventory_hostname }} {{ hostvars[inventory_hostname] }}"',
  "    - ansible.builtin.set_fact:",
  "        printed: \"{{ {'host': inventory_hostname, 'group_names': group_names, 'hostname': hostname, 'aliases': aliases, 'role': role | default(''), 'subrole': subrole | default(''), 'can_ip': can_ip | default('') } }}\"",
  "    - ansible.builtin.copy:",
  '        dest: "{{ out }}/printed.json"',
  "        content: \"{{ ansible_play_hosts | map('extract', hostvars, 'printed') | list | to_json }}\"",
  "      run_once: true",
  "",
].join("\n");

async function playOn(
  inventory: string,
  hostile: Hostile,
  dir: string,
  env: Record<string, string>,
): Promise<Map<string, Record<string, unknown>>> {
  const out = join(dir, "out");
  mkdirSync(out);
  writeFileSync(join(dir, "play.yml"), PLAY);
  const result = await run(
    "ansible-playbook",
    ["-i", inventory, join(dir, "play.yml"), "-e", `out=${out}`],
    { ...STRICT, ...env },
  );
  expect(result.code, result.stdout + result.stderr).to.equal(0);
  for (const marker of hostile.markers) expect(existsSync(marker), marker).to.equal(false);
  const values = JSON.parse(readFileSync(join(out, "printed.json"), "utf8")) as Record<
    string,
    unknown
  >[];
  return new Map(values.map((value) => [value.host as string, value]));
}

function expectLiteral(
  printed: Map<string, Record<string, unknown>>,
  hostile: Hostile,
  hostOf: (xname: string) => string,
): void {
  for (const [xname, values] of hostile.expected) {
    expect(printed.get(hostOf(xname)), xname).to.deep.include(values);
  }
  // No host and no group was made from a payload.
  for (const [host, value] of printed) {
    expect(host).to.match(/^[a-z0-9-]+$/);
    for (const group of value.group_names as string[]) expect(group).to.match(/^\w+$/);
  }
}

describe("real Ansible never runs SLS or HSM data as code", function () {
  needs(this, "ansible-playbook");
  this.timeout(180_000);

  it("through the inventory script (--list), hosts named by xname", async () => {
    const dir = tempDir();
    const hostile = hostileSystem(dir);
    const printed = await playOn(INVENTORY_SCRIPT, hostile, dir, {
      UAN_K3S_SLS_FILE: hostile.sls,
      UAN_K3S_HSM_FILE: hostile.hsm,
    });
    expectLiteral(printed, hostile, (xname) => xname);
    expect([...printed.keys()]).to.have.length(16);
  });

  it("through the inventory script, hosts named by alias (a payload alias keeps the xname)", async () => {
    const dir = tempDir();
    const hostile = hostileSystem(dir);
    const printed = await playOn(INVENTORY_SCRIPT, hostile, dir, {
      UAN_K3S_SLS_FILE: hostile.sls,
      UAN_K3S_HSM_FILE: hostile.hsm,
      UAN_K3S_HOSTNAMES: "alias",
    });
    const aliasOf: Record<string, string> = {
      x3000c0s9b0n0: "x3000c0s9b0n0",
      x1000c0s0b0n0: "nid000001",
      x3000c0s1b0n0: "ncn-m001",
      x3000c0s11b0n0: "uan02",
    };
    expectLiteral(printed, hostile, (xname) => aliasOf[xname] ?? xname);
  });

  it("through the static YAML export (CFS additional_inventory)", async () => {
    const dir = tempDir();
    const hostile = hostileSystem(dir);
    const file = join(dir, "inventory.yml");
    const exported = await run(UAN_K3S, [
      "inventory",
      "--list",
      "--format",
      "yaml",
      "--output",
      file,
      "--sls-file",
      hostile.sls,
      "--hsm-file",
      hostile.hsm,
    ]);
    expect(exported.code, exported.stderr).to.equal(0);
    const printed = await playOn(file, hostile, dir, {});
    expectLiteral(printed, hostile, (xname) => xname);
  });

  it("ansible-inventory --list keeps every data string marked unsafe", async () => {
    const dir = tempDir();
    const hostile = hostileSystem(dir);
    const result = await run("ansible-inventory", ["-i", INVENTORY_SCRIPT, "--list"], {
      ...STRICT,
      UAN_K3S_SLS_FILE: hostile.sls,
      UAN_K3S_HSM_FILE: hostile.hsm,
    });
    expect(result.code, result.stderr).to.equal(0);
    const list = JSON.parse(result.stdout) as {
      _meta: { hostvars: Record<string, Record<string, unknown>> };
    };
    expect(list._meta.hostvars.x3000c0s9b0n0?.hostname).to.deep.equal({
      __ansible_unsafe: hostile.expected.get("x3000c0s9b0n0")?.hostname,
    });
    for (const marker of hostile.markers) expect(existsSync(marker), marker).to.equal(false);
  });
});
