import type { SlsNetwork } from "../schemas/generated/sls";
import { byCodeUnit } from "../core/order";
import { subnetsOf } from "./networks";

/** The hostvar that holds a node's address on a network: CAN → can_ip, NMN_RVR → nmn_rvr_ip. */
export function addressVar(networkName: string): string {
  return `${networkName.toLowerCase().replace(/[^a-z0-9_]/g, "_")}_ip`;
}

export interface NodeAddresses {
  /** xname → (hostvar name → address), e.g. x3000c0s9b0n0 → { can_ip: "10.102.20.141" }. */
  readonly byXname: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly warnings: readonly string[];
}

/**
 * Finds each node's IPReservation on every network. HPE's UAN network role (Cray-HPE/uan,
 * roles/uan_interfaces/tasks/can.yml) configures the address whose reservation Name is the
 * node's host name, so the Name decides: first the alias (`uan01`), then the older
 * alias-and-network form (`uan01-can`); only a reservation named for no node falls back to its
 * Comment, where CSI records the xname. A reservation whose Name and Comment point at two
 * different nodes (real CSM 1.0 data) is reported, and the Name wins, as on the node.
 */
export function findNodeAddresses(
  networks: ReadonlyMap<string, SlsNetwork>,
  nameToXname: Pick<ReadonlyMap<string, string>, "get">,
): NodeAddresses {
  const byXname = new Map<string, Map<string, string>>();
  const warnings: string[] = [];
  // Networks whose names give one variable (CAN and can both give can_ip) would overwrite
  // each other's address, the last silently winning: neither is set.
  const byVariable = new Map<string, string[]>();
  for (const name of [...networks.keys()].sort(byCodeUnit)) {
    const variable = addressVar(name);
    byVariable.set(variable, [...(byVariable.get(variable) ?? []), name]);
  }
  for (const [variable, names] of byVariable) {
    if (names.length > 1) {
      warnings.push(
        `networks ${names.map((name) => JSON.stringify(name)).join(", ")} would all set ${variable}; it is not set`,
      );
    } else if (!/^[a-z_]/.test(variable)) {
      warnings.push(
        `network ${JSON.stringify(names[0])} would set ${variable}, not a valid Ansible variable name; not set`,
      );
    }
  }
  for (const name of [...networks.keys()].sort(byCodeUnit)) {
    const variable = addressVar(name);
    if (byVariable.get(variable)?.length !== 1 || !/^[a-z_]/.test(variable)) continue;
    const network = networks.get(name) as SlsNetwork;
    const suffix = `-${name.toLowerCase()}`;
    // Least trusted first: later maps overwrite earlier ones when merged below.
    const byComment = new Map<string, string>();
    const bySuffix = new Map<string, string>();
    const byName = new Map<string, string>();
    for (const subnet of subnetsOf(network)) {
      for (const reservation of subnet.IPReservations ?? []) {
        const exact = nameToXname.get(reservation.Name);
        const suffixed = reservation.Name.endsWith(suffix)
          ? nameToXname.get(reservation.Name.slice(0, -suffix.length))
          : undefined;
        const named = exact ?? suffixed;
        const comment = reservation.Comment;
        const commented =
          comment !== undefined && isKnownXname(comment, nameToXname) ? comment : undefined;
        if (named !== undefined) {
          const claimed = exact !== undefined ? byName : bySuffix;
          if (!claimed.has(named)) claimed.set(named, reservation.IPAddress);
          if (commented !== undefined && commented !== named) {
            warnings.push(
              `${name} reservation ${reservation.Name} (${reservation.IPAddress}) is named for ${named} ` +
                `but its Comment says ${commented}; ${variable} of ${named} is this address, as HPE's UAN ` +
                `network role matches by Name, and ${commented} does not get it`,
            );
          }
        } else if (commented !== undefined && !byComment.has(commented)) {
          byComment.set(commented, reservation.IPAddress);
        }
      }
    }
    for (const [xname, address] of [...byComment, ...bySuffix, ...byName]) {
      let vars = byXname.get(xname);
      if (vars === undefined) byXname.set(xname, (vars = new Map<string, string>()));
      vars.set(variable, address);
    }
  }
  return { byXname, warnings };
}

/** `nameToXname` maps every xname to itself, and every alias to its node's xname. */
function isKnownXname(
  candidate: string,
  nameToXname: Pick<ReadonlyMap<string, string>, "get">,
): boolean {
  return nameToXname.get(candidate) === candidate;
}
