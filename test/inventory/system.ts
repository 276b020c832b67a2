import type { SystemData } from "../../csm/source";
import type { HsmGroup } from "../../schemas/generated/hsm";
import type { SlsHardware, SlsNetwork, SlsSubnet } from "../../schemas/generated/sls";

/** Small hand-made SLS/HSM data for unit tests; the fixture systems cover realistic shapes. */
export function node(
  xname: string,
  role?: string,
  subrole?: string,
  aliases: string[] = [],
  nid?: number,
): SlsHardware {
  const extra: SlsHardware["ExtraProperties"] = { Aliases: aliases };
  if (role !== undefined) extra.Role = role;
  if (subrole !== undefined) extra.SubRole = subrole;
  if (nid !== undefined) extra.NID = nid;
  return { Xname: xname, Type: "comptype_node", Class: "River", ExtraProperties: extra };
}

export function network(
  name: string,
  cidr: string,
  subnets: SlsSubnet[],
  route?: string,
): SlsNetwork {
  return {
    Name: name,
    FullName: name,
    IPRanges: [cidr],
    Type: "ethernet",
    ExtraProperties: {
      CIDR: cidr,
      Subnets: subnets,
      ...(route === undefined ? {} : { SystemDefaultRoute: route }),
    },
  };
}

export function group(label: string, ids: string[]): HsmGroup {
  return { label, description: label, tags: [], members: { ids } };
}

export function system(
  nodes: SlsHardware[],
  networks: SlsNetwork[] = [],
  groups: HsmGroup[] = [],
): SystemData {
  return { sls: { nodes, networks: new Map(networks.map((n) => [n.Name, n])) }, groups };
}

export const UAN1 = node("x3000c0s9b0n0", "Application", "UAN", ["uan01"]);
export const UAN2 = node("x3000c0s11b0n0", "Application", "UAN", ["uan02"]);
export const UAN3 = node("x3000c0s13b0n0", "Application", "UAN", ["uan03"]);
export const COMPUTE = node("x1000c0s0b0n0", "Compute", undefined, ["nid000001"], 1);
export const BICAN_CAN = network("BICAN", "0.0.0.0/0", [], "CAN");
