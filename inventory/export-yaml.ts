import { toPyYaml } from "../core/yaml";
import type { Inventory } from "./build";

/**
 * A static YAML inventory equal to the `--list` document, for CFS `additional_inventory` or
 * `ansible-playbook -i FILE`. Written for PyYAML (YAML 1.1): strings such as `yes`, `on` or
 * `0644` are quoted so that Ansible reads them back as strings.
 */
export function exportYaml(inventory: Inventory, header: string): string {
  const children: Record<string, unknown> = {};
  for (const [group, hosts] of inventory.groups) {
    children[group] = { hosts: Object.fromEntries(hosts.map((host) => [host, null])) };
  }
  const document = {
    all: {
      vars: inventory.vars,
      hosts: Object.fromEntries(inventory.hostvars),
      children,
    },
  };
  const body = toPyYaml(document, { emptyNull: true });
  return `${header.replace(/^/gm, "# ")}\n${body}`;
}
