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

/** SLS nodes and networks plus HSM groups → the Ansible inventory the K3s playbook runs on. */
export function buildInventory(system: SystemData, options: InventoryOptions): Inventory {
  const warnings: string[] = [...(system.sls.warnings ?? [])];
  const notes: string[] = [];
  // One pass over the nodes makes the hosts and all --list needs of them: on 100,000 nodes
  // every further pass, map or sort shows in the inventory script's time.
  const nodes = readNodes(system.sls.nodes, options.hostnames, warnings);
  const { hostvars, hostOf } = nodes;

  const k3s = designateK3s({
    nameToXname: nodes.names,
    uans: nodes.uans,
    groups: system.groups,
    explicit: options.k3s,
  });
  warnings.push(...k3s.warnings);
  notes.push(...k3s.notes);

  const addresses = findNodeAddresses(system.sls.networks, nodes.names);
  warnings.push(...addresses.warnings);
  // After cray_cfs_image; node by node, since by alias two hosts may share an xname.
  for (let i = 0; i < nodes.vars.length; i += 1) {
    const vars = nodes.vars[i];
    const variables = addresses.byXname.get(vars.xname as string);
    if (variables !== undefined) for (const [name, address] of variables) vars[name] = address;
  }
  warnings.push(...nodes.roleWarnings);

  // HSM members SLS does not know still become hosts, as CFS would make them, if their
  // names are plain and no SLS node already has that host name.
  const strangers = new Set<string>();
  const refused = new Set<string>();
  const hostFor = (xname: string): string | undefined => {
    const host = hostOf(xname);
    if (host !== undefined) return host;
    if (!PLAIN_HOST_NAME.test(xname) || hostvars.has(xname)) {
      refused.add(xname);
      return undefined;
    }
    strangers.add(xname);
    return xname;
  };
  // The HSM and K3s groups' hosts, as listed (maybe twice); `grouped` holds them all. Only
  // hosts make a group: one whose members were all refused is not made (but K3s's always are).
  const listed = new Map<string, string[]>();
  const grouped = new Set<string>();
  const list = (group: string, xnames: readonly string[]): void => {
    const hosts = listed.get(group) ?? [];
    for (const xname of xnames) {
      const host = hostFor(xname);
      if (host === undefined) continue;
      hosts.push(host);
      grouped.add(host);
    }
    if (hosts.length > 0) listed.set(group, hosts);
  };
  for (const group of [...system.groups].sort((a, b) => byCodeUnit(a.label, b.label))) {
    if (group.label === K3S_SERVER || group.label === K3S_AGENT) continue;
    const problem = groupNameProblem(group.label);
    if (problem !== undefined) {
      warnings.push(`HSM group ${JSON.stringify(group.label)} ${problem}; skipped`);
      continue;
    }
    list(group.label, group.members?.ids ?? []);
  }
  list(K3S_SERVER, k3s.servers);
  list(K3S_AGENT, k3s.agents);
  // Added only now: until here hostvars held SLS nodes alone, which hostOf and hostFor rely on.
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

  // By xname, the nodes came in natural host order, and readNodes filled their role groups so;
  // by alias they did not. Strangers have no role, and are all in HSM or K3s groups.
  const inHostOrder = options.hostnames === "xname";
  const ungrouped = nodes.roleless.filter((host) => !grouped.has(host));
  if (!inHostOrder) {
    for (const hosts of nodes.roleGroups.values()) hosts.sort(byNaturalName);
    ungrouped.sort(byNaturalName);
  }
  let ordered: Map<string, HostVars> = hostvars;
  if (!inHostOrder || strangers.size > 0) {
    ordered = new Map();
    for (const host of [...hostvars.keys()].sort(byNaturalName))
      ordered.set(host, hostvars.get(host) as HostVars);
  }
  const groups = new Map<string, readonly string[]>();
  const names = [...nodes.roleGroups.keys(), ...listed.keys(), K3S_SERVER, K3S_AGENT, "ungrouped"];
  for (const name of [...new Set(names)].sort(byCodeUnit)) {
    const hosts = name === "ungrouped" ? ungrouped : (nodes.roleGroups.get(name) ?? []);
    const more = listed.get(name);
    groups.set(name, more === undefined ? hosts : uniqueNatural([...hosts, ...more]));
  }

  let hostByName: ReadonlyMap<string, string> | undefined;
  return {
    groups,
    hostvars: ordered,
    vars: allVars(system.sls.networks, options.k3sSubnetFullName, warnings, notes),
    // Only --host, a scope and the cache look hosts up by name: made on first use.
    get hostByName() {
      return (hostByName ??= nodes.hostByName(strangers));
    },
    k3s,
    warnings,
    notes,
  };
}

/** `hosts` in natural order, each once. */
function uniqueNatural(hosts: string[]): string[] {
  hosts.sort(byNaturalName);
  return hosts.filter((host, index) => index === 0 || host !== hosts[index - 1]);
}

/** What readNodes makes of the SLS nodes. */
interface Nodes {
  /** Host name → its variables (addresses to come), the nodes in natural xname order. */
  readonly hostvars: Map<string, HostVars>;
  /** Each node's variables, in natural xname order. */
  readonly vars: readonly HostVars[];
  /** The host name of a node's xname; undefined for any other name. */
  readonly hostOf: (xname: string) => string | undefined;
  /** Every xname → itself, and every alias → the first node (by xname) that has it. */
  readonly names: Pick<ReadonlyMap<string, string>, "get">;
  /** xnames of Application_UAN nodes, in natural order. */
  readonly uans: readonly string[];
  /** Role group name → its hosts, in node order. */
  readonly roleGroups: ReadonlyMap<string, string[]>;
  /** Hosts in no role group, in node order. */
  readonly roleless: readonly string[];
  /** Role group names Ansible would drop, node by node. */
  readonly roleWarnings: readonly string[];
  /** Every xname and alias → host name, then each stranger → itself. */
  readonly hostByName: (strangers: Iterable<string>) => Map<string, string>;
}

/** The groups of a role and subrole: the host lists of the valid ones, the others' problems. */
interface RoleGroups {
  readonly hosts: string[][];
  readonly problems: readonly string[];
}

function readNodes(
  hardware: readonly SlsHardware[],
  mode: HostnameMode,
  warnings: string[],
): Nodes {
  const withoutAlias: string[] = [];
  const hostvars = new Map<string, HostVars>();
  // By xname a host is its node's xname, and hostvars, holding only nodes, answers for both.
  const hostByXname = mode === "xname" ? undefined : new Map<string, string>();
  const hostOf =
    hostByXname === undefined
      ? (xname: string) => (hostvars.has(xname) ? xname : undefined)
      : (xname: string) => hostByXname.get(xname);
  const aliasOwner = new Map<string, string>();
  const nodeVars: HostVars[] = [];
  const uans: string[] = [];
  const roleGroups = new Map<string, string[]>();
  const roleless: string[] = [];
  const roleWarnings: string[] = [];
  // Role and subrole → their groups, made once per pair rather than once per node.
  const byRole = new Map<string, Map<string | undefined, RoleGroups>>();
  const roleGroupsOf = (
    role: string | undefined,
    subrole: string | undefined,
  ): RoleGroups | undefined => {
    if (role === undefined) return undefined;
    let bySubrole = byRole.get(role);
    if (bySubrole === undefined)
      byRole.set(role, (bySubrole = new Map<string | undefined, RoleGroups>()));
    let groups = bySubrole.get(subrole);
    if (groups === undefined) {
      groups = { hosts: [], problems: [] };
      for (const group of subrole === undefined ? [role] : [role, `${role}_${subrole}`]) {
        const problem = groupNameProblem(group);
        if (problem !== undefined) {
          (groups.problems as string[]).push(
            `role group ${JSON.stringify(group)} ${problem}; skipped`,
          );
          continue;
        }
        let list = roleGroups.get(group);
        if (list === undefined) roleGroups.set(group, (list = []));
        groups.hosts.push(list);
      }
      bySubrole.set(subrole, groups);
    }
    return groups;
  };

  const sorted = sortNatural(hardware, (hw) => hw.Xname);
  for (let index = 0; index < sorted.length; index += 1) {
    const hw = sorted[index];
    const xname = hw.Xname;
    const extra = hw.ExtraProperties ?? {};
    // The dump's own list when it has no empty alias (the usual case): a copy per node is
    // 100,000 arrays on a large system, and no one writes to hostvars.
    const listed = extra.Aliases ?? [];
    const aliases = listed.includes("") ? listed.filter((alias) => alias !== "") : listed;
    let host = xname;
    if (mode === "alias") {
      if (aliases[0] === undefined) withoutAlias.push(xname);
      else if (PLAIN_HOST_NAME.test(aliases[0])) host = aliases[0];
      else
        warnings.push(
          `SLS node ${JSON.stringify(xname)}: alias ${JSON.stringify(aliases[0])} is not a plain host name; the host keeps its xname`,
        );
    }
    // A host name reaches Ansible as it is (inventory_hostname is templated like any
    // variable), so a node whose name is not plain is left out rather than passed on.
    if (!PLAIN_HOST_NAME.test(host)) {
      warnings.push(`SLS node ${JSON.stringify(xname)} is not a plain host name; skipped`);
      continue;
    }
    const clash = hostvars.get(host);
    if (clash !== undefined) {
      throw new UserError(
        `SLS nodes ${String(clash.xname)} and ${xname} would both be host ${JSON.stringify(host)}`,
        mode === "alias"
          ? "Fix the duplicate alias in SLS, or use --hostnames xname."
          : "Remove the duplicate hardware entry from SLS.",
      );
    }
    const vars: HostVars = { xname, hostname: aliases[0] ?? xname, aliases };
    if (extra.Role !== undefined) vars.role = extra.Role;
    if (extra.SubRole !== undefined) vars.subrole = extra.SubRole;
    if (extra.NID !== undefined) vars.nid = extra.NID;
    vars.cray_cfs_image = false;
    hostvars.set(host, vars);
    hostByXname?.set(xname, host);
    nodeVars.push(vars);
    // Index loops: this one runs 100,000 times, much of it before it is optimized, where an
    // array's for...of costs an iterator.
    for (let i = 0; i < aliases.length; i += 1)
      if (!aliasOwner.has(aliases[i])) aliasOwner.set(aliases[i], xname);
    if (extra.Role === "Application" && extra.SubRole === "UAN") uans.push(xname);
    const roles = roleGroupsOf(extra.Role, extra.SubRole);
    if (roles === undefined || roles.hosts.length === 0) roleless.push(host);
    else for (let i = 0; i < roles.hosts.length; i += 1) roles.hosts[i].push(host);
    if (roles !== undefined && roles.problems.length > 0)
      for (const problem of roles.problems) roleWarnings.push(`${xname}: ${problem}`);
  }
  if (withoutAlias.length > 0) {
    warnings.push(
      `nodes without an alias keep their xname as host name: ${withoutAlias.join(", ")}`,
    );
  }

  return {
    hostvars,
    vars: nodeVars,
    hostOf,
    names: { get: (name) => (hostOf(name) === undefined ? aliasOwner.get(name) : name) },
    uans,
    roleGroups,
    roleless,
    roleWarnings,
    hostByName: (strangers) => {
      // As names resolve: aliases first (the first node keeps one), then xnames over them.
      const xnameByName = new Map(aliasOwner);
      for (const vars of nodeVars) xnameByName.set(vars.xname as string, vars.xname as string);
      const byName = new Map<string, string>();
      for (const [name, xname] of xnameByName) byName.set(name, hostOf(xname) as string);
      for (const xname of strangers) byName.set(xname, xname);
      return byName;
    },
  };
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
