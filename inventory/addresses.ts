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
 * Finds each node's IPReservation on every network. CSI records the node's xname in
 * `Comment`, so that is trusted first; older data only names the reservation after the alias
 * (`uan01`) or alias-and-network (`uan01-can`), which is the fallback. A reservation whose
 * name points at one node while its Comment names another is reported, and the Comment wins.
 */
export function findNodeAddresses(
  networks: ReadonlyMap<string, SlsNetwork>,
  nameToXname: ReadonlyMap<string, string>,
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
    const byComment = new Map<string, string>();
    const byName = new Map<string, string>();
    for (const subnet of subnetsOf(network)) {
      for (const reservation of subnet.IPReservations ?? []) {
        const named =
          nameToXname.get(reservation.Name) ??
          (reservation.Name.endsWith(suffix)
            ? nameToXname.get(reservation.Name.slice(0, -suffix.length))
            : undefined);
        const comment = reservation.Comment;
        if (comment !== undefined && isKnownXname(comment, nameToXname)) {
          if (!byComment.has(comment)) byComment.set(comment, reservation.IPAddress);
          if (named !== undefined && named !== comment) {
            warnings.push(
              `${name} reservation ${reservation.Name} (${reservation.IPAddress}) is named for ${named} ` +
                `but its Comment says ${comment}; using the Comment`,
            );
          }
        } else if (named !== undefined && !byName.has(named)) {
          byName.set(named, reservation.IPAddress);
        }
      }
    }
    for (const [xname, address] of [...byName, ...byComment]) {
      // Spread order puts Comment matches last, so they overwrite name matches.
      let vars = byXname.get(xname);
      if (vars === undefined) byXname.set(xname, (vars = new Map<string, string>()));
      vars.set(variable, address);
    }
  }
  return { byXname, warnings };
}

/** `nameToXname` maps every xname to itself, and every alias to its node's xname. */
function isKnownXname(candidate: string, nameToXname: ReadonlyMap<string, string>): boolean {
  return nameToXname.get(candidate) === candidate;
}
