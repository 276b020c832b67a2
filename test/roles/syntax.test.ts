import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { ansible, output, roleNames, scratch, writeInventory } from "./ansible";
import { renderTree, type SystemName } from "./render";
import { needs } from "../tools";

/** A play that imports every role of the tree, so that syntax-check loads each of them. */
function writeAllRolesPlay(tree: string): string {
  const path = join(tree, "all_roles.yml");
  const tasks = roleNames(tree).map((role) => ({
    name: `Import ${role}`,
    "ansible.builtin.import_role": { name: role },
  }));
  writeFileSync(
    path,
    YAML.stringify([
      { name: "Every role", hosts: "k3s_server:k3s_agent", gather_facts: false, tasks },
    ]),
  );
  return path;
}

/** Role names k3s.yml uses, in `roles:` lists and in include_role/import_role tasks. */
function rolesUsedBy(playbook: string): string[] {
  const plays = YAML.parse(readFileSync(playbook, "utf8")) as Record<string, unknown>[];
  const names = new Set<string>();
  for (const play of plays) {
    for (const role of (play.roles as (string | { role: string })[] | undefined) ?? [])
      names.add(typeof role === "string" ? role : role.role);
    for (const task of (play.tasks as Record<string, { name?: string }>[] | undefined) ?? []) {
      const include = task["ansible.builtin.include_role"] ?? task["ansible.builtin.import_role"];
      if (include?.name !== undefined) names.add(include.name);
    }
  }
  return [...names].sort();
}

for (const system of ["split", "seed"] as const satisfies readonly SystemName[]) {
  describe(`ansible-playbook --syntax-check on the tree rendered for ${system}`, function () {
    needs(this, "ansible-playbook");
    this.timeout(120_000);
    let tree: string;
    let inventory: string;

    before(() => {
      tree = renderTree(system);
      inventory = writeInventory(scratch("inventory"));
    });

    for (const playbook of ["k3s.yml", "k3s_validate.yml"]) {
      it(`accepts ${playbook}`, async () => {
        const result = await ansible(tree, "ansible-playbook", [
          "--syntax-check",
          "-i",
          inventory,
          playbook,
        ]);
        expect(result.code, output(result)).to.equal(0);
        expect(result.stdout).to.include(`playbook: ${playbook}`);
      });
    }

    it("accepts a play that imports every role of the tree", async () => {
      const roles = roleNames(tree);
      expect(roles).to.include.members([
        "uan_helm",
        "uan_k3s_install",
        "uan_k3s_stage",
        "uan_metallb",
      ]);
      const result = await ansible(tree, "ansible-playbook", [
        "--syntax-check",
        "-i",
        inventory,
        writeAllRolesPlay(tree),
      ]);
      expect(result.code, output(result)).to.equal(0);
    });

    it("has a role directory for every role k3s.yml runs", () => {
      const used = rolesUsedBy(join(tree, "k3s.yml"));
      expect(used).to.deep.equal([
        "uan_haproxy",
        "uan_helm",
        "uan_k3s_install",
        "uan_k3s_stage",
        "uan_metallb",
        "uan_podman",
        "uan_sshd",
      ]);
      expect(roleNames(tree)).to.include.members(used);
    });
  });
}
