import { UserError } from "../core/errors";
import {
  contains,
  formatCidr,
  formatIpv4,
  lastAddress,
  parseCidr,
  usableRange,
  type Ipv4Cidr,
} from "../core/ipv4";
import { byCodeUnit, byNaturalName, sortNatural } from "../core/order";
import type { SystemData } from "../csm/source";
import type { SlsHardware, SlsNetwork } from "../schemas/generated/sls";
import { findNodeAddresses } from "./addresses";
import {
  designateK3s,
  K3S_AGENT,
  K3S_SERVER,
  type Designation,
  type ExplicitDesignation,
} from "./designate";
import { groupNameProblem, PLAIN_HOST_NAME } from "./names";
import {
  findK3sSubnet,
  isUserNetwork,
  metallbRangeOrigin,
  systemDefaultRoute,
  unusedByUsersWarning,
  USER_NETWORKS,
} from "./networks";

export type HostnameMode = "xname" | "alias";

export interface InventoryOptions {
  /**
   * Host names: `xname`, as CFS names hosts, or `alias`, the node's Aliases[0] (uan01).
   * @default "xname"
   */
  readonly hostnames: HostnameMode;
  /** An explicit K3s designation (the config file's `k3s:`); beats the HSM groups. */
  readonly k3s?: ExplicitDesignation;
  /**
   * FullName of the K3s subnet, the config file's `sls_can_metallb_fullname` (HPE's playbook
   * variable). @default "<NET> Dynamic MetalLB K3s", or the subnet `split` made under another
   */
  readonly k3sSubnetFullName?: string;
}

/** A host's Ansible variables by their names (snake_case on purpose: cray_cfs_image, can_ip). */
export type HostVars = Record<string, string | number | boolean | readonly string[]>;

export interface Inventory {
  /** Group name → host names in natural order; includes k3s_server, k3s_agent, ungrouped. */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** Host name → its variables; iterates in natural host order. */
  readonly hostvars: ReadonlyMap<string, HostVars>;
  /** Variables of the `all` group. */
  readonly vars: Readonly<Record<string, string>>;
  /** Every xname and alias → host name, so `--host` accepts either. */
  readonly hostByName: ReadonlyMap<string, string>;
  readonly k3s: Designation;
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

export { ANSIBLE_GROUP_NAME } from "./names";

interface Node {
  readonly xname: string;
  readonly host: string;
  readonly aliases: readonly string[];
  readonly role?: string;
  readonly subrole?: string;
  readonly nid?: number;
}

/** SLS nodes and networks plus HSM groups → the Ansible inventory the K3s playbook runs on. */
export function buildInventory(system: SystemData, options: InventoryOptions): Inventory {
  const warnings: string[] = [...(system.sls.warnings ?? [])];
  const notes: string[] = [];
  const nodes = toNodes(system.sls.nodes, options.hostnames, warnings);
  const nameToXname = new Map<string, string>();
  for (const node of nodes)
    for (const alias of node.aliases)
      if (!nameToXname.has(alias)) nameToXname.set(alias, node.xname);
  for (const node of nodes) nameToXname.set(node.xname, node.xname);

  const uans = nodes
    .filter((node) => node.role === "Application" && node.subrole === "UAN")
    .map((node) => node.xname);
  const k3s = designateK3s({ nameToXname, uans, groups: system.groups, explicit: options.k3s });
  warnings.push(...k3s.warnings);
  notes.push(...k3s.notes);

  const addresses = findNodeAddresses(system.sls.networks, nameToXname);
  warnings.push(...addresses.warnings);

  const hostOf = new Map(nodes.map((node) => [node.xname, node.host]));
  const hostvars = new Map<string, HostVars>();
  for (const node of nodes) {
    const vars: HostVars = {
      xname: node.xname,
      hostname: node.aliases[0] ?? node.xname,
      aliases: node.aliases,
    };
    if (node.role !== undefined) vars.role = node.role;
    if (node.subrole !== undefined) vars.subrole = node.subrole;
    if (node.nid !== undefined) vars.nid = node.nid;
    vars.cray_cfs_image = false;
    for (const [name, address] of addresses.byXname.get(node.xname) ?? []) vars[name] = address;
    hostvars.set(node.host, vars);
  }

  const groups = new Map<string, Set<string>>();
  const addToGroup = (group: string, host: string): void => {
    let hosts = groups.get(group);
    if (hosts === undefined) groups.set(group, (hosts = new Set()));
    hosts.add(host);
  };
  for (const node of nodes) {
    for (const group of roleGroups(node)) {
      const problem = groupNameProblem(group);
      if (problem === undefined) addToGroup(group, node.host);
      else warnings.push(`${node.xname}: role group ${JSON.stringify(group)} ${problem}; skipped`);
    }
  }

  // HSM members SLS does not know still become hosts, as CFS would make them, if their
  // names are plain and no SLS node already has that host name.
  const strangers = new Set<string>();
  const refused = new Set<string>();
  const hostFor = (xname: string): string | undefined => {
    const host = hostOf.get(xname);
    if (host !== undefined) return host;
    if (!PLAIN_HOST_NAME.test(xname) || hostvars.has(xname)) {
      refused.add(xname);
      return undefined;
    }
    strangers.add(xname);
    return xname;
  };
  const hostsFor = (xnames: readonly string[]): Set<string> =>
    new Set(xnames.map(hostFor).filter((host): host is string => host !== undefined));
  for (const group of [...system.groups].sort((a, b) => byCodeUnit(a.label, b.label))) {
    if (group.label === K3S_SERVER || group.label === K3S_AGENT) continue;
    const problem = groupNameProblem(group.label);
    if (problem !== undefined) {
      warnings.push(`HSM group ${JSON.stringify(group.label)} ${problem}; skipped`);
      continue;
    }
    for (const xname of group.members?.ids ?? []) {
      const host = hostFor(xname);
      if (host !== undefined) addToGroup(group.label, host);
    }
  }
  groups.set(K3S_SERVER, hostsFor(k3s.servers));
  groups.set(K3S_AGENT, hostsFor(k3s.agents));
  for (const xname of strangers) {
    hostvars.set(xname, { xname, hostname: xname, aliases: [], cray_cfs_image: false });
  }
  if (strangers.size > 0) {
    warnings.push(
      `HSM group members not in SLS (hosts without SLS data): ${[...strangers].sort(byNaturalName).join(", ")}`,
    );
  }
  if (refused.size > 0) {
    warnings.push(
      `HSM group members skipped, not in SLS and not a plain host name or the name of another host: ${[
        ...refused,
      ]
        .sort(byNaturalName)
        .map((name) => JSON.stringify(name))
        .join(", ")}`,
    );
  }

  const grouped = new Set<string>();
  for (const hosts of groups.values()) for (const host of hosts) grouped.add(host);
  groups.set("ungrouped", new Set([...hostvars.keys()].filter((host) => !grouped.has(host))));

  const hostByName = new Map<string, string>();
  for (const [name, xname] of nameToXname) hostByName.set(name, hostOf.get(xname) as string);
  for (const xname of strangers) hostByName.set(xname, xname);

  // Sort every host name once; groups then sort by rank, a plain number compare.
  const hostOrder = sortNatural([...hostvars.keys()], (host) => host);
  const rank = new Map(hostOrder.map((host, index) => [host, index]));
  const byRank = (a: string, b: string): number =>
    (rank.get(a) as number) - (rank.get(b) as number);
  return {
    groups: new Map(
      [...groups]
        .sort(([a], [b]) => byCodeUnit(a, b))
        .map(([name, hosts]) => [name, [...hosts].sort(byRank)]),
    ),
    hostvars: new Map(hostOrder.map((host) => [host, hostvars.get(host) as HostVars])),
    vars: allVars(system.sls.networks, options.k3sSubnetFullName, warnings, notes),
    hostByName,
    k3s,
    warnings,
    notes,
  };
}

function toNodes(hardware: readonly SlsHardware[], mode: HostnameMode, warnings: string[]): Node[] {
  const withoutAlias: string[] = [];
  const byHost = new Map<string, string>();
  const nodes: Node[] = [];
  for (const hw of sortNatural(hardware, (hw) => hw.Xname)) {
    const extra = hw.ExtraProperties ?? {};
    const aliases = (extra.Aliases ?? []).filter((alias) => alias !== "");
    let host = hw.Xname;
    if (mode === "alias") {
      if (aliases[0] === undefined) withoutAlias.push(hw.Xname);
      else if (PLAIN_HOST_NAME.test(aliases[0])) host = aliases[0];
      else
        warnings.push(
          `SLS node ${JSON.stringify(hw.Xname)}: alias ${JSON.stringify(aliases[0])} is not a plain host name; the host keeps its xname`,
        );
    }
    // A host name reaches Ansible as it is (inventory_hostname is templated like any
    // variable), so a node whose name is not plain is left out rather than passed on.
    if (!PLAIN_HOST_NAME.test(host)) {
      warnings.push(`SLS node ${JSON.stringify(hw.Xname)} is not a plain host name; skipped`);
      continue;
    }
    const clash = byHost.get(host);
    if (clash !== undefined) {
      throw new UserError(
        `SLS nodes ${clash} and ${hw.Xname} would both be host ${JSON.stringify(host)}`,
        mode === "alias"
          ? "Fix the duplicate alias in SLS, or use --hostnames xname."
          : "Remove the duplicate hardware entry from SLS.",
      );
    }
    byHost.set(host, hw.Xname);
    nodes.push({
      xname: hw.Xname,
      host,
      aliases,
      role: extra.Role,
      subrole: extra.SubRole,
      nid: extra.NID,
    });
  }
  if (withoutAlias.length > 0) {
    warnings.push(
      `nodes without an alias keep their xname as host name: ${withoutAlias.join(", ")}`,
    );
  }
  return nodes;
}

function roleGroups(node: Node): string[] {
  if (node.role === undefined) return [];
  return node.subrole === undefined ? [node.role] : [node.role, `${node.role}_${node.subrole}`];
}

/**
 * `sls_user_network` from BICAN, and the MetalLB range from the K3s subnet (found as
 * findK3sSubnet finds it, the same way for `split` and `gen-roles`): its first to last usable
 * address, as the UAN playbook computes it, and the subnet's MetalLBPoolName, the name of the
 * pool the roles configure.
 */
function allVars(
  networks: ReadonlyMap<string, SlsNetwork>,
  fullName: string | undefined,
  warnings: string[],
  notes: string[],
): Record<string, string> {
  const vars: Record<string, string> = {};
  const route = systemDefaultRoute(networks);
  if (isUserNetwork(route)) vars.sls_user_network = route;
  else if (route === undefined)
    notes.push("SLS has no BICAN network (pre-CSM 1.2): sls_user_network is not set");
  else {
    const k3sOn = USER_NETWORKS.filter((net) => {
      const network = networks.get(net);
      return network !== undefined && findK3sSubnet(network, net, fullName) !== undefined;
    });
    warnings.push(
      `${unusedByUsersWarning(route, k3sOn.length > 0 ? k3sOn.join(" or ") : "CAN or CHN")} The MetalLB range is not set.`,
    );
  }

  const candidates = isUserNetwork(route) ? [route] : route === undefined ? [...USER_NETWORKS] : [];
  for (const net of candidates) {
    const network = networks.get(net);
    const found = network && findK3sSubnet(network, net, fullName);
    if (network === undefined || found === undefined) continue;
    const subnet = found.subnet;
    const parsed = parseCidr(subnet.CIDR);
    const problem = parsed.ok ? outsideProblem(network, parsed.cidr) : parsed.reason;
    if (problem !== undefined || !parsed.ok) {
      warnings.push(
        `${net} subnet ${JSON.stringify(subnet.FullName)}: ${problem}; MetalLB range not set`,
      );
      return vars;
    }
    notes.push(...metallbRangeOrigin(net, subnet));
    const { first, last } = usableRange(parsed.cidr);
    vars.metallb_ipaddresspool_range_start = formatIpv4(first);
    vars.metallb_ipaddresspool_range_end = formatIpv4(last);
    // The pool's name follows the split's (<pool>-k3s, or --k3s-pool-name).
    if (subnet.MetalLBPoolName) vars.metallb_ipaddresspool_name = subnet.MetalLBPoolName;
    return vars;
  }
  if (fullName !== undefined && candidates.length > 0) {
    warnings.push(
      `sls_can_metallb_fullname is ${JSON.stringify(fullName)}, but ${candidates.join(" and ")} ${candidates.length === 1 ? "has" : "have"} no subnet of that FullName; MetalLB range not set`,
    );
  }
  return vars;
}

/**
 * Why a K3s subnet of `cidr` cannot be the network's, or undefined when it lies inside the
 * network's CIDR: SLS stores any subnet, and a 0.0.0.0/0 would give MetalLB every address.
 */
function outsideProblem(network: SlsNetwork, cidr: Ipv4Cidr): string | undefined {
  const text = network.ExtraProperties?.CIDR;
  const own = typeof text === "string" ? parseCidr(text) : undefined;
  if (own?.ok !== true) return `the ${network.Name} network has no usable CIDR to hold it`;
  if (contains(own.cidr, cidr.network) && contains(own.cidr, lastAddress(cidr))) return undefined;
  return `${formatCidr(cidr)} is not inside the ${network.Name} network's CIDR ${text}`;
}
