import type { HostVars, Inventory } from "./build";

/**
 * The inventory-script protocol's `--list` document: every group as `{"hosts": [...]}` (even
 * when empty), `all` with the group list and the global vars, and `_meta.hostvars` so that
 * Ansible never has to call `--host` once per host.
 */
export function listDocument(inventory: Inventory): Record<string, unknown> {
  const document: Record<string, unknown> = {
    all: { children: [...inventory.groups.keys()], vars: inventory.vars },
  };
  for (const [group, hosts] of inventory.groups) document[group] = { hosts };
  document._meta = { hostvars: Object.fromEntries(inventory.hostvars) };
  return document;
}

/** `--host NAME`: the host's variables, found by host name, xname or alias; `{}` when unknown. */
export function hostDocument(inventory: Inventory, name: string): HostVars {
  const host = inventory.hostByName.get(name) ?? name;
  return inventory.hostvars.get(host) ?? {};
}
