import { UserError } from "../core/errors";
import {
  contains,
  formatCidr,
  lastAddress,
  formatIpv4,
  halve,
  parseCidr,
  parseIpv4,
  usableRange,
  type Ipv4Cidr,
} from "../core/ipv4";
import {
  dynamicMetallbFullName,
  findK3sSubnet,
  findSubnet,
  isUserNetwork,
  k3sSubnetFullName,
  subnetsOf,
  systemDefaultRoute,
  unusedByUsersWarning,
  type UserNetwork,
} from "../inventory/networks";
import type { SlsNetwork, SlsSubnet } from "../schemas/generated/sls";
import { checkSubnetName } from "./names";

/** What `uan-k3s split` may be told; every field is optional and defaults from SLS. */
export interface SplitOptions {
  /** The user network whose pool is split. @default BICAN's SystemDefaultRoute */
  network?: UserNetwork;
  /** FullName of the subnet to split. @default "<NET> Dynamic MetalLB" */
  subnet?: string;
  /** FullName of the new subnet, the one the UAN playbook looks up. @default "<NET> Dynamic MetalLB K3s" */
  k3sFullName?: string;
  /** Name of the new subnet. @default "<net>_metallb_k3s_address_pool" */
  k3sName?: string;
  /** MetalLBPoolName of the new subnet. @default "<the original's MetalLBPoolName>-k3s" */
  k3sPoolName?: string;
}

/** CSM's MetalLB pool per user network, for pre-1.2 data whose subnets carry no MetalLBPoolName. */
export const CSM_POOL_NAMES: Readonly<Record<UserNetwork, string>> = {
  CAN: "customer-access",
  CHN: "customer-high-speed",
};

/** The subnet every SLS user network has, spanning most or all of it; it is not a pool. */
export const BOOTSTRAP_SUBNET_NAME = "bootstrap_dhcp";

/** The defaults of the name options for one network, shared by the CLI's help and the planner. */
export function splitDefaults(
  net: UserNetwork,
  original?: SlsSubnet,
): Required<Omit<SplitOptions, "network">> {
  return {
    subnet: dynamicMetallbFullName(net),
    k3sFullName: k3sSubnetFullName(net),
    k3sName: `${net.toLowerCase()}_metallb_k3s_address_pool`,
    k3sPoolName: `${csmPoolName(net, original)}-k3s`,
  };
}

/** A subnet's addresses as the procedure needs them. */
export interface AddressRange {
  /** Canonical CIDR, e.g. "10.1.1.224/27". */
  cidr: string;
  /** First usable address: metallb_ipaddresspool_range_start. */
  first: string;
  /** Last usable address: metallb_ipaddresspool_range_end. */
  last: string;
  /** Usable addresses, first to last inclusive. */
  count: number;
}

/** CSM's own MetalLB pool, which must shrink to the lower half (ConfigMap or IPAddressPool). */
export interface CsmPool {
  name: string;
  range: AddressRange;
}

interface PlanCommon {
  net: UserNetwork;
  /** The K3s subnet: the one planned, or the one SLS already has. */
  k3s: SlsSubnet;
  /** What the UAN playbook will hand to K3s's MetalLB. */
  range: AddressRange;
  /** Facts worth printing: where the network came from, a CIDR that was canonicalized. */
  notes: string[];
  /** Hazards that do not block the plan but that the admin must read. */
  warnings: string[];
  /**
   * Every other SLS network, as read: their reservations, ranges and pools must stay out of
   * the K3s range too (CMN, for one, can overlap a user network).
   */
  neighbours: SlsNetwork[];
}

export interface SplitPlanned extends PlanCommon {
  kind: "split";
  /** The subnet as SLS has it now. */
  original: SlsSubnet;
  /** The original with its CIDR halved; every other key as it was. */
  lower: SlsSubnet;
  csmPool: CsmPool;
  /** A copy of the network as SLS has it now. */
  networkBefore: SlsNetwork;
  /** The network to PUT: a deep copy with only Subnets[] changed. */
  networkAfter: SlsNetwork;
}

export interface AlreadySplit extends PlanCommon {
  kind: "already-split";
  /** A copy of the network as SLS has it; nothing is to change. */
  network: SlsNetwork;
  /** CSM's pool, when the network still has the subnet the K3s one was split from. */
  csmPool?: CsmPool;
}

export type SplitPlan = SplitPlanned | AlreadySplit;

/**
 * Plans the split of "<NET> Dynamic MetalLB" into a lower half that CSM keeps and an upper
 * half for K3s ("Prerequisites" step 3 of the UAN K3s procedure). Pure: reads `networks`
 * (SLS networks by name) without changing them. Throws UserError when the input cannot be
 * split; conflicts with addresses in use are found separately, by findConflicts.
 */
export function planSplit(
  networks: ReadonlyMap<string, SlsNetwork>,
  options: SplitOptions = {},
): SplitPlan {
  const notes: string[] = [];
  const warnings: string[] = [];
  const net = chooseNetwork(networks, options.network, notes, warnings);
  const network = networks.get(net);
  if (network === undefined) {
    throw new UserError(
      `SLS has no ${net} network.`,
      `Check that SLS is the right system's, or pass --network ${net === "CAN" ? "CHN" : "CAN"}.`,
    );
  }
  const given = definedNames(options);
  const names = { ...splitDefaults(net), ...given };
  if (names.k3sFullName === names.subnet) {
    throw new UserError(
      `The K3s subnet's FullName cannot be ${JSON.stringify(names.subnet)}, the FullName of the subnet to split.`,
      "Pick another FullName for the K3s subnet.",
    );
  }
  const neighbours = [...networks.values()]
    .filter((other) => other !== network)
    .map((other) => structuredClone(other));
  const within = networkCidr(net, network);
  const existing = findK3sSubnet(network, net, given.k3sFullName, names.subnet);
  if (existing !== undefined) {
    if (existing.by === "split") notes.push(foundBySplitNote(net, existing.subnet, names.subnet));
    const context = { net, network, within, neighbours, notes, warnings };
    return alreadySplit(context, existing.subnet, names.subnet);
  }
  const other = findK3sSubnet(network, net, undefined, names.subnet);
  if (given.k3sFullName !== undefined && other !== undefined) {
    throw new UserError(
      `${net} already has a K3s subnet, ${JSON.stringify(other.subnet.FullName)} ${other.subnet.CIDR}; splitting again under ${JSON.stringify(given.k3sFullName)} would halve CSM's pool a second time.`,
      `Drop --k3s-full-name (or set it, and sls_can_metallb_fullname, to ${JSON.stringify(other.subnet.FullName)}) to use the existing subnet.`,
    );
  }
  const original = theSubnet(net, network, names.subnet);
  const cidr = readCidr(net, original, within, notes);
  if (cidr.prefix >= 31) {
    throw new UserError(
      `${describeSubnet(net, original)} is ${formatCidr(cidr)}, too small to split: each half needs at least 2 addresses, so the subnet must be a /30 or larger.`,
      "Pick a larger subnet with --subnet, or set metallb_ipaddresspool_range_start/_end in vars/uan_helm.yml instead of splitting.",
    );
  }
  if (original.VlanID === undefined) {
    throw new UserError(
      `${describeSubnet(net, original)} has no VlanID, so the K3s subnet's VLAN is unknown (CSM's tools reject a subnet without one).`,
      "Add the VlanID to the subnet in SLS (the network's VlanRange has it), then run again.",
    );
  }

  const k3sNames = { ...splitDefaults(net, original), ...definedNames(options) };
  refuseTakenNames(net, network, k3sNames);
  const [lowerCidr, upperCidr] = halve(cidr);
  const lower: SlsSubnet = { ...structuredClone(original), CIDR: formatCidr(lowerCidr) };
  // Exactly these keys: CSM's admin tools validate SLS with additionalProperties: false and
  // reject a Comment (and, up to CSM 1.6, IPv6 keys) on a subnet.
  const planned: SlsSubnet = {
    FullName: k3sNames.k3sFullName,
    CIDR: formatCidr(upperCidr),
    Name: k3sNames.k3sName,
    VlanID: original.VlanID,
    Gateway: formatIpv4(usableRange(upperCidr).first),
    MetalLBPoolName: k3sNames.k3sPoolName,
  };
  const networkAfter = withSubnets(network, (subnets) => {
    // The UAN network role matches "<NET> Dynamic MetalLB" as a prefix and takes the first
    // hit, so the K3s subnet must come right after the original, never before it.
    const at = subnetsOf(network).indexOf(original);
    const inserted = [structuredClone(lower), structuredClone(planned)];
    return [...subnets.slice(0, at), ...inserted, ...subnets.slice(at + 1)];
  });

  warnings.push(...hazardWarnings(net, networkAfter, planned));
  notes.push(...defaultNameNote(net, planned));
  const gateway = original.Gateway === undefined ? undefined : parseIpv4(original.Gateway);
  if (gateway !== undefined && !contains(lowerCidr, gateway)) {
    warnings.push(
      `${describeSubnet(net, original)} keeps its Gateway ${original.Gateway}, which is outside its new CIDR ${formatCidr(lowerCidr)}.`,
    );
  }
  return {
    kind: "split",
    net,
    original: structuredClone(original),
    lower,
    k3s: planned,
    range: describeRange(upperCidr),
    csmPool: { name: csmPoolName(net, original), range: describeRange(lowerCidr) },
    networkBefore: structuredClone(network),
    networkAfter,
    notes,
    warnings,
    neighbours,
  };
}

/** Said when the K3s subnet was recognised by its place rather than by its FullName. */
function foundBySplitNote(net: UserNetwork, k3s: SlsSubnet, original: string): string {
  return (
    `${describeSubnet(net, k3s)} ${k3s.CIDR} is the upper half beside ${JSON.stringify(original)}: a K3s subnet made with --k3s-full-name. ` +
    `HPE's UAN playbook finds it only by FullName: set sls_can_metallb_fullname to ${JSON.stringify(k3s.FullName)} in uan-k3s.yaml and in CFS.`
  );
}

function chooseNetwork(
  networks: ReadonlyMap<string, SlsNetwork>,
  option: string | undefined,
  notes: string[],
  warnings: string[],
): UserNetwork {
  const route = systemDefaultRoute(networks);
  if (option !== undefined) {
    if (!isUserNetwork(option)) {
      throw new UserError(
        `The network must be CAN or CHN, not ${JSON.stringify(option)}.`,
        "Pass --network CAN or --network CHN.",
      );
    }
    if (route !== undefined && route !== option) {
      notes.push(`Using ${option} as asked, although BICAN's SystemDefaultRoute is ${route}.`);
      warnings.push(unusedByUsersWarning(route, option));
    }
    return option;
  }
  if (isUserNetwork(route)) {
    notes.push(`Using ${route}, BICAN's SystemDefaultRoute.`);
    return route;
  }
  const why =
    route !== undefined
      ? `BICAN's SystemDefaultRoute is ${JSON.stringify(route)}, not CAN or CHN`
      : networks.has("BICAN")
        ? "BICAN has no SystemDefaultRoute"
        : "SLS has no BICAN network (data from before CSM 1.2)";
  throw new UserError(
    `Cannot tell which user network carries the K3s services: ${why}.`,
    "Pass --network CAN or --network CHN (the network users reach the UANs on).",
  );
}

/** The name options that were given; an empty one is an error, not a request for the default. */
function definedNames(options: SplitOptions): Partial<SplitOptions> {
  const given: Partial<SplitOptions> = {};
  for (const key of ["subnet", "k3sFullName", "k3sName", "k3sPoolName"] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (value.trim() === "") {
      throw new UserError(`The ${key} option is empty.`, "Give a name, or leave the option out.");
    }
    // --subnet names a subnet SLS already has, matched exactly; only new names are held to CSM's shapes.
    if (key !== "subnet") checkSubnetName(key, value);
    given[key] = value;
  }
  return given;
}

function theSubnet(net: UserNetwork, network: SlsNetwork, fullName: string): SlsSubnet {
  const matches = subnetsOf(network).filter((subnet) => subnet.FullName === fullName);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new UserError(
      `${net} has ${matches.length} subnets with FullName ${JSON.stringify(fullName)}; cannot tell which to split.`,
      "Fix SLS so that the FullName is unique, then run again.",
    );
  }
  const known = subnetsOf(network).map((subnet) => JSON.stringify(subnet.FullName));
  throw new UserError(
    `${net} has no subnet with FullName ${JSON.stringify(fullName)}` +
      (known.length === 0 ? " (it has no subnets at all)." : `; it has ${known.join(", ")}.`),
    "Pass --subnet with the FullName of the MetalLB pool to split, or --network for the other user network.",
  );
}

/**
 * The user network's own CIDR, which every subnet of it must lie inside. A network that is most
 * of the address space is placeholder data (BICAN's 0.0.0.0/0), never a user network.
 */
function networkCidr(net: UserNetwork, network: SlsNetwork): Ipv4Cidr {
  const text = network.ExtraProperties?.CIDR;
  const parsed = typeof text === "string" ? parseCidr(text) : undefined;
  const fix = `Fix ExtraProperties.CIDR of the ${net} network in SLS (an IPv4 a.b.c.d/n), then run again.`;
  if (parsed === undefined) {
    throw new UserError(
      `The ${net} network has no CIDR (ExtraProperties.CIDR), so nobody can tell whether its subnets lie inside it.`,
      fix,
    );
  }
  if (!parsed.ok)
    throw new UserError(`The ${net} network has an unusable CIDR: ${parsed.reason}.`, fix);
  if (parsed.cidr.prefix < MIN_NETWORK_PREFIX) {
    throw new UserError(
      `The ${net} network's CIDR ${text} spans ${parsed.cidr.prefix === 0 ? "every IPv4 address" : "more than a /8"}: no user network is that large, so its subnets cannot be checked against it.`,
      fix,
    );
  }
  return parsed.cidr;
}

/** Larger than a /8 is no customer network CSM sets up. */
const MIN_NETWORK_PREFIX = 8;

/**
 * The subnet's CIDR, canonical; a non-canonical one is noted. Anything unusable is an error,
 * and so is a CIDR not inside its network's: SLS stores whatever it is sent, so a pool of
 * 0.0.0.0/0 or 128.0.0.0/1 can be there, and halving it would hand K3s addresses the network
 * does not have.
 */
function readCidr(
  net: UserNetwork,
  subnet: SlsSubnet,
  within: Ipv4Cidr,
  notes: string[],
): Ipv4Cidr {
  const cidr = parseSubnetCidr(net, subnet, notes);
  if (!contains(within, cidr.network) || !contains(within, lastAddress(cidr))) {
    throw new UserError(
      `${describeSubnet(net, subnet)} has CIDR ${subnet.CIDR}, which is not inside the ${net} network's CIDR ${formatCidr(within)}: its addresses are not the network's to give to K3s.`,
      `Fix the subnet's CIDR in SLS so that it lies inside ${formatCidr(within)}, or pick another subnet with --subnet.`,
    );
  }
  return cidr;
}

function parseSubnetCidr(net: UserNetwork, subnet: SlsSubnet, notes: string[]): Ipv4Cidr {
  const where = describeSubnet(net, subnet);
  if (typeof subnet.CIDR !== "string" || subnet.CIDR === "") {
    throw new UserError(
      `${where} has no CIDR.`,
      "Fix the subnet in SLS, or pick another with --subnet.",
    );
  }
  const parsed = parseCidr(subnet.CIDR);
  if (!parsed.ok) {
    throw new UserError(
      `${where} has an unusable CIDR: ${parsed.reason}.`,
      "Fix the subnet's CIDR in SLS (an IPv4 a.b.c.d/n), or pick another subnet with --subnet.",
    );
  }
  if (!parsed.canonical) {
    notes.push(
      `${where} has the non-canonical CIDR ${subnet.CIDR}; using ${formatCidr(parsed.cidr)}.`,
    );
  }
  return parsed.cidr;
}

function refuseTakenNames(
  net: UserNetwork,
  network: SlsNetwork,
  names: { k3sName: string; k3sPoolName: string },
): void {
  const taken = (what: string, value: string): UserError =>
    new UserError(
      `${net} already has a subnet with ${what} ${JSON.stringify(value)}; the K3s subnet needs its own.`,
      `Pick another ${what} for the K3s subnet.`,
    );
  for (const subnet of subnetsOf(network)) {
    if (subnet.Name === names.k3sName) throw taken("Name", names.k3sName);
    if (subnet.MetalLBPoolName === names.k3sPoolName)
      throw taken("MetalLBPoolName", names.k3sPoolName);
  }
}

interface NetworkContext {
  net: UserNetwork;
  network: SlsNetwork;
  /** The network's own CIDR. */
  within: Ipv4Cidr;
  neighbours: SlsNetwork[];
  notes: string[];
  warnings: string[];
}

function alreadySplit(
  { net, network, within, neighbours, notes, warnings }: NetworkContext,
  k3s: SlsSubnet,
  originalFullName: string,
): AlreadySplit {
  const cidr = readCidr(net, k3s, within, notes);
  warnings.push(...hazardWarnings(net, network, k3s));
  notes.push(...defaultNameNote(net, k3s));
  const subnets = subnetsOf(network);
  const original = findSubnet(network, originalFullName);
  let csmPool: CsmPool | undefined;
  if (original !== undefined) {
    const lowerCidr = readCidr(net, original, within, notes);
    csmPool = { name: csmPoolName(net, original), range: describeRange(lowerCidr) };
    if (subnets.indexOf(k3s) < subnets.indexOf(original)) {
      warnings.push(
        `${describeSubnet(net, k3s)} comes before ${JSON.stringify(originalFullName)} in Subnets[]: the UAN network role takes the first subnet whose FullName starts with ${JSON.stringify(originalFullName)}, so it would pick the K3s subnet. Move the K3s subnet after it.`,
      );
    }
  }
  return {
    kind: "already-split",
    net,
    k3s: structuredClone(k3s),
    range: describeRange(cidr),
    ...(csmPool === undefined ? {} : { csmPool }),
    network: structuredClone(network),
    notes,
    warnings,
    neighbours,
  };
}

const METALLB_NAME_HAZARD =
  "CSM tooling makes every subnet whose Name contains metallb a CSM MetalLB pool when it rebuilds its configuration, which would put the K3s range back into CSM's pools.";

/** The note on the seed's default Name, which contains "metallb" (see hazardWarnings). */
function defaultNameNote(net: UserNetwork, k3s: SlsSubnet): string[] {
  return k3s.Name === splitDefaults(net, undefined).k3sName
    ? [
        `The K3s subnet's Name ${JSON.stringify(k3s.Name)} is the seed procedure's. Like any Name containing "metallb", ${METALLB_NAME_HAZARD} Before rebuilding CSM's MetalLB configuration, rename it (e.g. --k3s-name ${net.toLowerCase()}_k3s_address_pool for a new split).`,
      ]
    : [];
}

/** Hazards of the network as it will be (or already is) with its K3s subnet. */
function hazardWarnings(net: UserNetwork, network: SlsNetwork, k3s: SlsSubnet): string[] {
  const warnings: string[] = [];
  // The seed's own Name contains "metallb" too: choosing it is no mistake, so it is explained
  // once, in the report's notes, rather than warned about on every run.
  if (/metallb/i.test(k3s.Name) && k3s.Name !== splitDefaults(net, undefined).k3sName) {
    warnings.push(
      `The K3s subnet's Name ${JSON.stringify(k3s.Name)} contains "metallb": ${METALLB_NAME_HAZARD} Choose a Name without it, e.g. ${net.toLowerCase()}_k3s_address_pool.`,
    );
  }
  const pools = subnetsOf(network).filter((subnet) => subnet.Name !== BOOTSTRAP_SUBNET_NAME);
  if (pools.length > 1) {
    warnings.push(
      `${net} holds ${pools.length} subnets besides ${BOOTSTRAP_SUBNET_NAME} (${pools.map((s) => s.Name).join(", ")}); CSM's CAN-to-CHN migration script handles only one. Before such a migration, merge the K3s subnet back into the one it was split from.`,
    );
  }
  return warnings;
}

function csmPoolName(net: UserNetwork, original: SlsSubnet | undefined): string {
  const name = original?.MetalLBPoolName;
  return name === undefined || name === "" ? CSM_POOL_NAMES[net] : name;
}

function describeSubnet(net: UserNetwork, subnet: SlsSubnet): string {
  return `${net} subnet ${JSON.stringify(subnet.FullName)}`;
}

function describeRange(cidr: Ipv4Cidr): AddressRange {
  const { first, last } = usableRange(cidr);
  return {
    cidr: formatCidr(cidr),
    first: formatIpv4(first),
    last: formatIpv4(last),
    count: last - first + 1,
  };
}

/** A deep copy of `network` whose Subnets[] is `change(subnets)`; every other key is kept. */
function withSubnets(
  network: SlsNetwork,
  change: (subnets: SlsSubnet[]) => SlsSubnet[],
): SlsNetwork {
  const copy = structuredClone(network);
  const properties = copy.ExtraProperties ?? {};
  properties.Subnets = change(subnetsOf(copy));
  copy.ExtraProperties = properties;
  return copy;
}
