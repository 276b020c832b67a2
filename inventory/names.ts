import { K3S_AGENT, K3S_SERVER } from "./designate";

/**
 * Which SLS and HSM strings may become Ansible host and group names. A name is never marked
 * unsafe the way a value is (Ansible reads names as they are, and `inventory_hostname` and
 * `group_names` are templated like any variable), so only plain names get through.
 */

/** Ansible drops groups whose names do not match this (and so does CFS). */
export const ANSIBLE_GROUP_NAME = /^[a-zA-Z_][a-zA-Z0-9_]+$/;

/**
 * A host name that is only letters, digits, dots and inner hyphens: no Jinja, no Ansible
 * pattern syntax (`:`, `,`, `[`, `!`, `&`), no space or control character.
 */
export const PLAIN_HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/**
 * Groups the inventory makes itself, or that the protocol reserves: a data group of that name
 * would replace ours (an HSM group `all` would take the MetalLB range with it).
 */
export const RESERVED_GROUPS: ReadonlySet<string> = new Set([
  "all",
  "ungrouped",
  "_meta",
  K3S_SERVER,
  K3S_AGENT,
]);

/** Why `name` cannot be a group made from data, or undefined if it can. */
export function groupNameProblem(name: string): string | undefined {
  if (!ANSIBLE_GROUP_NAME.test(name)) return "is not a valid Ansible group name";
  if (RESERVED_GROUPS.has(name)) return "is a group name uan-k3s reserves";
  return undefined;
}
