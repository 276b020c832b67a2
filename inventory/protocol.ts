import { printable } from "../core/text";
import type { HostVars, Inventory } from "./build";

/**
 * How the inventory-script protocol marks a value Ansible must never template: ansible-core's
 * script plugin decodes `--list` with AnsibleJSONDecoder, which turns this object into an
 * AnsibleUnsafeText. Every string from SLS or HSM goes out so, since a `{{ lookup('pipe', ...) }}`
 * in an alias would otherwise run on the controller as soon as a play reads the variable.
 */
export interface UnsafeText {
  readonly __ansible_unsafe: string;
}

type UnsafeVars = Record<string, UnsafeText | readonly UnsafeText[] | number | boolean>;

const unsafe = (text: string): UnsafeText => ({ __ansible_unsafe: text });

/** Every string (and every string in a list) marked unsafe; numbers and booleans as they are. */
function unsafeVars(vars: Readonly<Record<string, HostVars[string]>>): UnsafeVars {
  const out: UnsafeVars = {};
  const keys = Object.keys(vars);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i];
    const value = vars[key];
    out[key] =
      typeof value === "string"
        ? unsafe(value)
        : typeof value === "object"
          ? value.map(unsafe)
          : value;
  }
  return out;
}

/**
 * The inventory-script protocol's `--list` document: every group as `{"hosts": [...]}` (even
 * when empty), `all` with the group list and the global vars, and `_meta.hostvars` so that
 * Ansible never has to call `--host` once per host. Group and host names are plain (see
 * names.ts); every string value is marked unsafe. Keyed by data, so without a prototype.
 */
export function listDocument(
  inventory: Pick<Inventory, "groups" | "hostvars" | "vars">,
): Record<string, unknown> {
  const document = Object.create(null) as Record<string, unknown>;
  document.all = { children: [...inventory.groups.keys()], vars: unsafeVars(inventory.vars) };
  for (const [group, hosts] of inventory.groups) document[group] = { hosts };
  const hostvars = Object.create(null) as Record<string, UnsafeVars>;
  for (const [host, vars] of inventory.hostvars) hostvars[host] = unsafeVars(vars);
  document._meta = { hostvars };
  return document;
}

/**
 * The `--list` document as JSON text, the same as `JSON.stringify(listDocument(inventory))`
 * and a newline, in pieces of a thousand hosts: written as they come, the marked-up hostvars
 * of 100,000 nodes never sit in memory whole (the inventory script's RSS is benchmarked). Each
 * host's marked-up variables live only until JSON.stringify, native and quicker than any
 * string building, has written them.
 */
export function* listJson(inventory: Inventory): Generator<string> {
  const { groups, vars } = inventory;
  const head = listDocument({ groups, vars, hostvars: new Map() });
  delete head._meta;
  yield `${JSON.stringify(head).slice(0, -1)},"_meta":{"hostvars":{`;
  // Index loops over the hosts and their variables: on 10,000 hosts much of this runs before
  // it is optimized, where for...of costs an iterator and an entry per host.
  const hosts = [...inventory.hostvars.keys()];
  const hostVars = [...inventory.hostvars.values()];
  let piece = "";
  for (let i = 0; i < hosts.length; i += 1) {
    piece += `${i === 0 ? "" : ","}${JSON.stringify(hosts[i])}:${JSON.stringify(unsafeVars(hostVars[i]))}`;
    if ((i + 1) % 1000 === 0) {
      yield piece;
      piece = "";
    }
  }
  yield `${piece}}}}\n`;
}

/**
 * `--host NAME`: the host's variables, found by host name, xname or alias, every string
 * marked unsafe as in `--list`; `{}` when unknown.
 */
export function hostDocument(inventory: Inventory, name: string): UnsafeVars {
  const host = inventory.hostByName.get(name) ?? name;
  const vars = inventory.hostvars.get(host);
  return vars === undefined ? {} : unsafeVars(vars);
}

/**
 * The groups as `ansible-inventory --graph` draws them, each host with its hostname when that
 * differs, then the `all` vars: a summary an admin can read at a glance. Text for a terminal,
 * so control characters from data are shown escaped.
 */
export function graphText(inventory: Inventory): string {
  const lines = ["@all:"];
  for (const [group, hosts] of inventory.groups) {
    lines.push(`  |--@${printable(group)}:`);
    for (const host of hosts) {
      const hostname = inventory.hostvars.get(host)?.hostname;
      lines.push(
        `  |  |--${printable(host)}${hostname !== undefined && hostname !== host ? ` (${printable(String(hostname))})` : ""}`,
      );
    }
  }
  for (const [name, value] of Object.entries(inventory.vars))
    lines.push(`${printable(name)}: ${printable(value)}`);
  return `${lines.join("\n")}\n`;
}
