import { UserError } from "../core/errors";
import type { HostVars, Inventory } from "./build";
import { K3S_AGENT, K3S_SERVER } from "./designate";

/**
 * Which hosts the inventory serves: `all` of them (as CFS sees the system), the `k3s` hosts
 * (the K3s servers and agents and the UANs), or the members of the named groups.
 */
export type InventoryScope = "all" | "k3s" | { readonly groups: readonly string[] };

/** The groups whose members the `k3s` scope keeps. */
export const K3S_SCOPE_GROUPS = [K3S_SERVER, K3S_AGENT, "Application_UAN"] as const;

/**
 * A scope as written in a flag or an environment variable: `all`, `k3s`, or group names
 * separated by commas (`k3s_server,uan`). The config file writes the list as a YAML sequence.
 */
export function parseScope(text: string, origin: string): InventoryScope {
  if (text === "all" || text === "k3s") return text;
  const groups = text.split(",").map((name) => name.trim());
  if (groups.some((name) => name === "")) {
    throw new UserError(
      `${origin}: expected all, k3s or group names separated by commas, got ${JSON.stringify(text)}`,
    );
  }
  return { groups: [...new Set(groups)] };
}

/** `all`, `k3s`, or the group names joined by commas: how parseScope reads it back. */
export function describeScope(scope: InventoryScope): string {
  return typeof scope === "string" ? scope : scope.groups.join(",");
}

/**
 * The inventory restricted to the hosts of `scope`. Every group is kept, with only its hosts
 * in scope (so a play that names an emptied group matches nothing rather than failing), and
 * each kept host keeps exactly its variables; `all.vars` is unchanged. A group the inventory
 * does not have is an error, since a misspelt name would otherwise quietly drop hosts.
 */
export function scopeInventory(inventory: Inventory, scope: InventoryScope): Inventory {
  if (scope === "all") return inventory;
  const names = scope === "k3s" ? K3S_SCOPE_GROUPS : scope.groups;
  if (scope !== "k3s") {
    const unknown = names.filter((name) => !inventory.groups.has(name));
    if (unknown.length > 0) {
      throw new UserError(
        `scope names ${unknown.length === 1 ? "a group" : "groups"} the inventory does not have: ${unknown.map((name) => JSON.stringify(name)).join(", ")}`,
        "Name groups that uan-k3s inventory --graph shows (an HSM group with no members is not one), or use scope all or k3s.",
      );
    }
  }
  const kept = new Set<string>();
  for (const name of names) for (const host of inventory.groups.get(name) ?? []) kept.add(host);
  const hostvars = new Map<string, HostVars>();
  for (const [host, vars] of inventory.hostvars) if (kept.has(host)) hostvars.set(host, vars);
  const groups = new Map<string, readonly string[]>();
  for (const [name, hosts] of inventory.groups)
    groups.set(
      name,
      hosts.filter((host) => kept.has(host)),
    );
  const hostByName = new Map<string, string>();
  for (const [name, host] of inventory.hostByName) if (kept.has(host)) hostByName.set(name, host);
  return { ...inventory, groups, hostvars, hostByName };
}
