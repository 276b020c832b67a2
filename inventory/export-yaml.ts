import { printable } from "../core/text";
import { pyYamlDocument, pyYamlString, yamlModule } from "../core/yaml";
import type { Inventory } from "./build";

/**
 * A static YAML inventory equal to the `--list` document, for CFS `additional_inventory` or
 * `ansible-playbook -i FILE`. Written for PyYAML (YAML 1.1). Every string value is tagged
 * `!unsafe`, as `--list` marks it, so that Ansible (and CFS) never template SLS or HSM data;
 * keys are host, group and variable names, which are plain.
 */
export function exportYaml(inventory: Inventory, header: string): string {
  const children = record(
    [...inventory.groups].map(([group, hosts]) => [
      group,
      { hosts: record(hosts.map((host) => [host, null])) },
    ]),
  );
  const document = pyYamlDocument({
    all: { vars: inventory.vars, hosts: record([...inventory.hostvars]), children },
  });
  const YAML = yamlModule();
  const tag = (node: unknown): void => {
    if (YAML.isScalar(node) && typeof node.value === "string") node.tag = "!unsafe";
  };
  YAML.visit(document, {
    Pair: (_, pair) => tag(pair.value),
    Seq: (_, seq) => seq.items.forEach(tag),
  });
  const body = pyYamlString(document, { emptyNull: true });
  // The header names a path: escaped, so that no line break in it can end the comment.
  return `# ${printable(header)}\n${body}`;
}

/**
 * An object without a prototype: data names the hosts and groups, and a name such as
 * `__proto__` must stay a key (a Map would be written as YAML 1.1 `!!omap`).
 */
function record<T>(entries: readonly (readonly [string, T])[]): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) out[key] = value;
  return out;
}
