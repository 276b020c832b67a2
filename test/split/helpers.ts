import { expect } from "chai";
import { UserError } from "../../core/errors";
import type { SlsNetwork, SlsSubnet } from "../../schemas/generated/sls";

/** The seed's "CAN Dynamic MetalLB" (x.x.x.192/26) with x.x.x = 10.102.4. */
export function dynamicSubnet(overrides: Partial<SlsSubnet> = {}): SlsSubnet {
  return {
    FullName: "CAN Dynamic MetalLB",
    CIDR: "10.102.4.192/26",
    Name: "can_metallb_address_pool",
    VlanID: 6,
    Gateway: "10.102.4.193",
    MetalLBPoolName: "customer-access",
    ...overrides,
  };
}

/** "CAN Static Pool MetalLB", the optional second CSM pool. */
export function staticPoolSubnet(cidr: string): SlsSubnet {
  return dynamicSubnet({
    FullName: "CAN Static Pool MetalLB",
    CIDR: cidr,
    Name: "can_metallb_static_pool",
    Gateway: undefined,
    MetalLBPoolName: "customer-access-static",
  });
}

export function bootstrapSubnet(overrides: Partial<SlsSubnet> = {}): SlsSubnet {
  return {
    FullName: "CAN Bootstrap DHCP Subnet",
    CIDR: "10.102.4.128/26",
    IPReservations: [
      { Name: "can-switch-1", IPAddress: "10.102.4.130" },
      { Name: "uan01", IPAddress: "10.102.4.144", Comment: "x3000c0s19b0n0" },
    ],
    Name: "bootstrap_dhcp",
    VlanID: 6,
    Gateway: "10.102.4.129",
    DHCPStart: "10.102.4.145",
    DHCPEnd: "10.102.4.159",
    ...overrides,
  };
}

/** A user network as SLS returns it, with the keys the planner must carry over untouched. */
export function userNetwork(
  name: string,
  subnets: SlsSubnet[],
  cidr = "10.102.4.128/25",
): SlsNetwork {
  return {
    Name: name,
    FullName: name === "CHN" ? "Customer High-Speed Network" : "Customer Access Network",
    IPRanges: [cidr],
    Type: "ethernet",
    LastUpdated: 1700000000,
    LastUpdatedTime: "2023-11-14 22:13:20.000000 +0000 +0000",
    ExtraProperties: { CIDR: cidr, VlanRange: [6], MTU: 9000, Subnets: subnets },
  };
}

export function bican(route: string | undefined): SlsNetwork {
  return {
    Name: "BICAN",
    FullName: "SystemDefaultRoute points the network name of the default route",
    IPRanges: ["0.0.0.0/0"],
    Type: "ethernet",
    ExtraProperties: {
      CIDR: "0.0.0.0/0",
      VlanRange: [0],
      MTU: 9000,
      Subnets: [],
      ...(route === undefined ? {} : { SystemDefaultRoute: route }),
    },
  };
}

export function networksOf(...networks: SlsNetwork[]): Map<string, SlsNetwork> {
  return new Map(networks.map((network) => [network.Name, network]));
}

/** The seed's system: BICAN routes users over CAN, whose Dynamic MetalLB is a /26. */
export function seedSystem(subnets?: SlsSubnet[]): Map<string, SlsNetwork> {
  return networksOf(
    bican("CAN"),
    userNetwork("CAN", subnets ?? [dynamicSubnet(), bootstrapSubnet()]),
  );
}

/** Runs `action`, expects a UserError, and returns it for further checks. */
export function userErrorFrom(action: () => unknown): UserError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected a UserError").to.be.instanceOf(UserError);
  return caught as UserError;
}
