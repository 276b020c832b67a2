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

/**
 * The groups as `ansible-inventory --graph` draws them, each host with its hostname when that
 * differs, then the `all` vars: a summary an admin can read at a glance.
 */
export function graphText(inventory: Inventory): string {
  const lines = ["@all:"];
  for (const [group, hosts] of inventory.groups) {
    lines.push(`  |--@${group}:`);
    for (const host of hosts) {
      const hostname = inventory.hostvars.get(host)?.hostname;
      lines.push(
        `  |  |--${host}${hostname !== undefined && hostname !== host ? ` (${String(hostname)})` : ""}`,
      );
    }
  }
  for (const [name, value] of Object.entries(inventory.vars)) lines.push(`${name}: ${value}`);
  return `${lines.join("\n")}\n`;
}
