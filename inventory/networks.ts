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
