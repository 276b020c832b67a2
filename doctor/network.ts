import type { SystemData } from "../csm/source";
import type { Inventory } from "../inventory/build";
import { findK3sSubnet, isUserNetwork, systemDefaultRoute } from "../inventory/networks";
import { findConflicts, planSplit } from "../split";
import { failure, fail, pass, skip, warn, type Check } from "./check";

const NETWORK = "The user network is known (BICAN)";
const SUBNET = "The K3s subnet exists, or a split is possible and safe";

/** BICAN's user network, and the K3s subnet in it: split already, or splittable without conflict. */
export function checkNetwork(
  system: SystemData | undefined,
  inventory: Inventory | undefined,
  notRead: string,
  /** The config file's sls_can_metallb_fullname. */
  k3sFullName?: string,
): Check[] {
  if (system === undefined) {
    return [skip("network", NETWORK, notRead), skip("k3s-subnet", SUBNET, notRead)];
  }
  const route = systemDefaultRoute(system.sls.networks);
  return [userNetwork(route), k3sSubnet(system, inventory, route, k3sFullName)];
}

function userNetwork(route: string | undefined): Check {
  if (isUserNetwork(route)) return pass("network", NETWORK, `BICAN routes users over ${route}`);
  if (route === undefined) {
    return warn(
      "network",
      NETWORK,
      "SLS has no BICAN network (pre-CSM 1.2)",
      "uan-k3s split --network CAN   # or --network CHN",
    );
  }
  return fail(
    "network",
    NETWORK,
    `BICAN's SystemDefaultRoute is ${route}; the K3s ingress needs CAN or CHN`,
    "uan-k3s split --network CAN   # or --network CHN",
  );
}

function k3sSubnet(
  system: SystemData,
  inventory: Inventory | undefined,
  route: string | undefined,
  k3sFullName: string | undefined,
): Check {
  const net = isUserNetwork(route) ? route : "CAN";
  const network = system.sls.networks.get(net);
  const k3s = network && findK3sSubnet(network, net, k3sFullName)?.subnet;
  if (k3s !== undefined) {
    const start = inventory?.vars.metallb_ipaddresspool_range_start;
    const end = inventory?.vars.metallb_ipaddresspool_range_end;
    return pass(
      "k3s-subnet",
      SUBNET,
      `${k3s.FullName} ${k3s.CIDR}${start === undefined ? "" : ` (MetalLB ${start} - ${end})`}`,
    );
  }
  try {
    const plan = planSplit(system.sls.networks, {
      ...(isUserNetwork(route) ? {} : { network: net }),
      ...(k3sFullName === undefined ? {} : { k3sFullName }),
    });
    const { conflicts } = findConflicts(plan);
    if (conflicts.length > 0) {
      return fail(
        "k3s-subnet",
        SUBNET,
        `not split yet, and ${conflicts.length} address(es) in ${plan.k3s.CIDR} are in use: ${conflicts[0]?.message ?? ""}`,
        "uan-k3s split --kubectl   # the report lists every conflict",
      );
    }
    return warn(
      "k3s-subnet",
      SUBNET,
      `not split yet; SLS has nothing in ${plan.k3s.CIDR}, so the split is possible (Kubernetes not checked here)`,
      "uan-k3s split --kubectl --out split   # then, if it says READY: uan-k3s split --kubectl --apply --yes",
    );
  } catch (error) {
    return failure("k3s-subnet", SUBNET, error);
  }
}
