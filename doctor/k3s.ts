import type { SystemData } from "../csm/source";
import { addressVar } from "../inventory/addresses";
import type { Inventory } from "../inventory/build";
import { K3S_AGENT, K3S_SERVER, serverQuorum } from "../inventory/designate";
import { fail, pass, skip, warn, type Check } from "./check";

const GROUPS = "The HSM groups k3s_server and k3s_agent exist";
const EXCLUSIVE = "The K3s groups are exclusive";
const QUORUM = "K3s servers: an odd count of 3 or more (etcd quorum)";
const UANS = "The K3s groups contain only UANs";
const ADDRESSES = "Every K3s node has an address on the user network";

/** The K3s groups in HSM, the designation drawn from them, and the nodes' addresses. */
export function checkK3s(
  system: SystemData | undefined,
  inventory: Inventory | undefined,
  notRead: string,
): Check[] {
  if (system === undefined || inventory === undefined) {
    return [
      skip("k3s-groups", GROUPS, notRead),
      skip("k3s-exclusive", EXCLUSIVE, notRead),
      skip("k3s-quorum", QUORUM, notRead),
      skip("k3s-uans", UANS, notRead),
      skip("k3s-addresses", ADDRESSES, notRead),
    ];
  }
  const server = system.groups.find((group) => group.label === K3S_SERVER);
  const agent = system.groups.find((group) => group.label === K3S_AGENT);
  const k3sHosts = [
    ...(inventory.groups.get(K3S_SERVER) ?? []),
    ...(inventory.groups.get(K3S_AGENT) ?? []),
  ];
  const missing = [server ? "" : K3S_SERVER, agent ? "" : K3S_AGENT].filter(Boolean);
  const exclusive =
    server?.exclusiveGroup !== undefined &&
    server.exclusiveGroup !== "" &&
    server.exclusiveGroup === agent?.exclusiveGroup;
  return [
    missing.length === 0
      ? pass("k3s-groups", GROUPS, `designation from ${inventory.k3s.source}`)
      : warn(
          "k3s-groups",
          GROUPS,
          `missing: ${missing.join(", ")}; designation from ${inventory.k3s.source}`,
          missing
            .map((label) => `cray hsm groups create --label ${label} --exclusive-group k3s`)
            .join("; ") +
            `   # then, per node: cray hsm groups members create --id XNAME ${missing[0]}`,
        ),
    exclusive
      ? pass("k3s-exclusive", EXCLUSIVE, `exclusiveGroup ${server.exclusiveGroup}`)
      : warn(
          "k3s-exclusive",
          EXCLUSIVE,
          "k3s_server and k3s_agent do not share an exclusiveGroup, so HSM lets a node be in both",
          "Recreate both groups with --exclusive-group k3s.",
        ),
    quorum(inventory.k3s.servers.length),
    onlyUans(inventory, k3sHosts),
    addresses(inventory, k3sHosts),
  ];
}

/** The verdict of the inventory's own quorum rule, so that doctor and the warnings agree. */
function quorum(count: number): Check {
  switch (serverQuorum(count)) {
    case "none":
      return fail("k3s-quorum", QUORUM, "no K3s server", "Add a UAN to k3s_server.");
    case "ha":
      return pass("k3s-quorum", QUORUM, `${count} servers`);
    case "single":
      // The seed procedure's own design: fine, though not highly available.
      return pass(
        "k3s-quorum",
        QUORUM,
        "1 server, as the seed procedure sets up: K3s works, but the control plane is not highly available (3 or 5 servers for HA)",
      );
    case "even":
      return warn(
        "k3s-quorum",
        QUORUM,
        `${count} servers: an even count tolerates no more failures than ${count - 1}`,
        "Use 3 (or 5) servers for HA.",
      );
  }
}

function onlyUans(inventory: Inventory, k3sHosts: readonly string[]): Check {
  const strangers = inventory.k3s.notUans.map((xname) => inventory.hostByName.get(xname) ?? xname);
  return strangers.length === 0
    ? pass("k3s-uans", UANS, `${k3sHosts.length} nodes`)
    : fail(
        "k3s-uans",
        UANS,
        `not Application_UAN nodes: ${strangers.join(", ")}`,
        "Remove them from k3s_server / k3s_agent.",
      );
}

function addresses(inventory: Inventory, k3sHosts: readonly string[]): Check {
  const net = inventory.vars.sls_user_network;
  if (net === undefined) return skip("k3s-addresses", ADDRESSES, "the user network is not known");
  const variable = addressVar(net);
  const missing = k3sHosts.filter((host) => inventory.hostvars.get(host)?.[variable] === undefined);
  return missing.length === 0
    ? pass("k3s-addresses", ADDRESSES, `each has ${variable}`)
    : fail(
        "k3s-addresses",
        ADDRESSES,
        `no ${net} reservation for: ${missing.join(", ")}`,
        `Add an IPReservation in SLS ${net} bootstrap_dhcp (Name = the alias, Comment = the xname).`,
      );
}
