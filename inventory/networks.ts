import { formatCidr, parseCidr, sizeOf, type Ipv4Cidr } from "../core/ipv4";
import type { SlsNetwork, SlsSubnet } from "../schemas/generated/sls";

/** The networks a UAN's users can arrive on; BICAN's SystemDefaultRoute picks one. */
export const USER_NETWORKS = ["CAN", "CHN"] as const;
export type UserNetwork = (typeof USER_NETWORKS)[number];

export function isUserNetwork(name: string | undefined): name is UserNetwork {
  return name === "CAN" || name === "CHN";
}

/**
 * BICAN's SystemDefaultRoute (CAN, CHN, or on some systems CMN), or undefined when SLS has
 * no BICAN network: pre-1.2 systems, where CAN was the only user network.
 */
export function systemDefaultRoute(networks: ReadonlyMap<string, SlsNetwork>): string | undefined {
  return networks.get("BICAN")?.ExtraProperties?.SystemDefaultRoute;
}

/**
 * Said when BICAN sends user traffic over another network than the one with the K3s subnet
 * (CMN, or the other of CAN and CHN): the UANs' default route is there, so users never reach
 * a MetalLB address on `net`.
 */
export function unusedByUsersWarning(route: string, net: string): string {
  return `BICAN's SystemDefaultRoute is ${JSON.stringify(route)}: user traffic reaches the UANs over ${route}, so a K3s subnet on ${net} will not be used by user traffic. Use the network BICAN routes over, or change BICAN first.`;
}

export function subnetsOf(network: SlsNetwork): SlsSubnet[] {
  return network.ExtraProperties?.Subnets ?? [];
}

/** "CAN Dynamic MetalLB": the subnet whose upper half becomes the K3s pool. */
export function dynamicMetallbFullName(net: UserNetwork): string {
  return `${net} Dynamic MetalLB`;
}

/** "CAN Dynamic MetalLB K3s": the name the UAN playbook looks the K3s subnet up by. */
export function k3sSubnetFullName(net: UserNetwork): string {
  return `${net} Dynamic MetalLB K3s`;
}

/** The subnet with exactly this FullName (SLS FullNames are matched exactly, case-sensitively). */
export function findSubnet(network: SlsNetwork, fullName: string): SlsSubnet | undefined {
  return subnetsOf(network).find((subnet) => subnet.FullName === fullName);
}

/** The K3s subnet and how it was recognised, for the notes that tell the admin. */
export interface FoundK3sSubnet {
  readonly subnet: SlsSubnet;
  /**
   * `fullname`: by the FullName asked for (sls_can_metallb_fullname) or the default one;
   * `split`: by its place, the upper half beside "<NET> Dynamic MetalLB", under another FullName.
   */
  readonly by: "fullname" | "split";
}

/**
 * The K3s subnet of a user network, found the way every command finds it, so that `split`,
 * the inventory and `gen-roles` agree. HPE's UAN playbook looks the subnet up by FullName only:
 * `sls_can_metallb_fullname` when set, else "<NET> Dynamic MetalLB K3s". A subnet the split
 * made under another FullName (`split --k3s-full-name`) is found too, by what the split leaves
 * behind: the upper half of the block whose lower half is still "<NET> Dynamic MetalLB", on the
 * same VLAN, holding no reservation, and "k3s" in its FullName, Name or MetalLBPoolName (the
 * pool defaults to "<pool>-k3s"; a CSM static pool can sit in that upper half too, but never
 * carries "k3s"). Without that, a second `split` would halve CSM's pool again.
 * `fullName` given: only that FullName counts, as in the playbook.
 */
export function findK3sSubnet(
  network: SlsNetwork,
  net: UserNetwork,
  fullName?: string,
  original: string = dynamicMetallbFullName(net),
): FoundK3sSubnet | undefined {
  const named = findSubnet(network, fullName ?? k3sSubnetFullName(net));
  if (named !== undefined) return { subnet: named, by: "fullname" };
  if (fullName !== undefined) return undefined;
  const lower = findSubnet(network, original);
  const lowerCidr = lower === undefined ? undefined : canonicalCidr(lower.CIDR);
  if (lower === undefined || lowerCidr === undefined || lowerCidr.prefix === 0) return undefined;
  const size = sizeOf(lowerCidr);
  // Only a lower half has its upper half after it: the block of both is aligned to 2 * size.
  if (lowerCidr.network % (2 * size) !== 0) return undefined;
  const upper = formatCidr({ network: lowerCidr.network + size, prefix: lowerCidr.prefix });
  const halves = subnetsOf(network).filter((subnet) => {
    const cidr = canonicalCidr(subnet.CIDR);
    return (
      subnet !== lower &&
      cidr !== undefined &&
      formatCidr(cidr) === upper &&
      subnet.VlanID === lower.VlanID &&
      (subnet.IPReservations ?? []).length === 0 &&
      [subnet.FullName, subnet.Name, subnet.MetalLBPoolName].some((name) =>
        K3S_MARK.test(name ?? ""),
      )
    );
  });
  return halves.length === 1 ? { subnet: halves[0], by: "split" } : undefined;
}

const K3S_MARK = /k3s/i;

function canonicalCidr(text: string): Ipv4Cidr | undefined {
  const parsed = typeof text === "string" ? parseCidr(text) : undefined;
  return parsed?.ok === true ? parsed.cidr : undefined;
}

/**
 * Where the MetalLB range of K3s comes from, in the words the split report, the uan_helm.yml
 * the split writes and `gen-roles` all use, so that they never disagree.
 */
export function metallbRangeOrigin(
  net: UserNetwork,
  k3s: Pick<SlsSubnet, "FullName" | "CIDR">,
): string[] {
  const defaultName = k3sSubnetFullName(net);
  return [
    `uan-k3s gen-roles (and the inventory, as metallb_ipaddresspool_range_start/_end) takes the MetalLB range of K3s from SLS: the usable addresses of ${net} subnet ${JSON.stringify(k3s.FullName)} (${k3s.CIDR}), unless metallb.range in uan-k3s.yaml says otherwise, and writes it into vars/uan_helm.yml; the generated playbook does not read SLS itself.`,
    ...(k3s.FullName === defaultName
      ? []
      : [
          `That FullName is not the default ${JSON.stringify(defaultName)}: set sls_can_metallb_fullname to ${JSON.stringify(k3s.FullName)} in uan-k3s.yaml, and in CFS where HPE's own UAN playbook runs (it finds the subnet by FullName only).`,
        ]),
  ];
}
