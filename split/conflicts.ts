import {
  formatIpv4,
  looksLikeIpv6,
  overlap,
  parseCidr,
  parseIpv4,
  spanOf,
  type AddressSpan,
} from "../core/ipv4";
import { subnetsOf } from "../inventory/networks";
import type { SlsNetwork, SlsSubnet } from "../schemas/generated/sls";
import type { SplitPlan } from "./plan";
import type { K8sService, K8sServiceList } from "./services";

/** Something already holding an address in the K3s range; any one blocks the split. */
export type Conflict =
  | {
      kind: "ip-reservation";
      /** The SLS network of the subnet: the user network, or any other (CMN, NMN, ...). */
      network: string;
      subnet: string;
      reservation: string;
      address: string;
      message: string;
    }
  | {
      kind: "dhcp-range" | "reservation-range";
      network: string;
      subnet: string;
      start: string;
      end: string;
      /** The first address of the range inside the K3s range. */
      address: string;
      message: string;
    }
  | {
      /** Another MetalLB pool whose CIDR reaches into the K3s range. */
      kind: "pool";
      network: string;
      subnet: string;
      cidr: string;
      address: string;
      message: string;
    }
  | {
      kind: "service";
      namespace: string;
      service: string;
      /**
       * Where the address was: status.loadBalancer.ingress, spec.loadBalancerIP,
       * spec.externalIPs, or the MetalLB loadBalancerIPs annotation.
       */
      field: string;
      address: string;
      message: string;
    }
  | {
      /** A value that should be an IPv4 address but is not: nobody can tell whether it collides. */
      kind: "unreadable";
      where: string;
      value: string;
      message: string;
    };

export interface ConflictCheck {
  conflicts: Conflict[];
  /** False when no services were given: live LoadBalancer IPs were NOT checked. */
  kubernetesChecked: boolean;
  warnings: string[];
}

/**
 * Everything that already uses an address of the plan's K3s range: IPReservations, DHCP and
 * reservation ranges of every subnet of every SLS network (the user network and its
 * neighbours: CMN can overlap CAN), other MetalLB pools, and the live Services in `services`
 * (`kubectl get services -A -o json`). Without `services` the Kubernetes side is not checked,
 * and a warning says so.
 */
export function findConflicts(plan: SplitPlan, services?: K8sServiceList): ConflictCheck {
  const parsed = parseCidr(plan.range.cidr);
  if (!parsed.ok) throw new Error(`plan range ${plan.range.cidr}: ${parsed.reason}`);
  const k3s: Target = { span: spanOf(parsed.cidr), cidr: plan.range.cidr };
  // After a split the original is the lower half, so it is not mistaken for a pool overlap.
  const network = plan.kind === "split" ? plan.networkAfter : plan.network;
  const conflicts = [network, ...plan.neighbours].flatMap((each) =>
    subnetsOf(each).flatMap((subnet) =>
      subnetConflicts(
        each.Name,
        subnet,
        each === network && subnet.FullName === plan.k3s.FullName,
        k3s,
      ),
    ),
  );
  const warnings = overlappingNetworks(plan.neighbours, k3s);
  if (services === undefined) {
    warnings.push(
      `The Kubernetes check was NOT done: no live services were given, so LoadBalancer IPs already in use in ${k3s.cidr} are unknown. Pass the output of \`kubectl get services -A -o json\` (the ims and user namespaces are the likely users).`,
    );
    return { conflicts, kubernetesChecked: false, warnings };
  }
  conflicts.push(...services.items.flatMap((service) => serviceConflicts(service, k3s)));
  return { conflicts, kubernetesChecked: true, warnings };
}

/**
 * Another network whose CIDR reaches into the K3s range: nothing of it holds those addresses
 * (or it would be a conflict), but the two networks route the same addresses. BICAN's
 * 0.0.0.0/0 is a placeholder, not a range, and so is any /0.
 */
function overlappingNetworks(neighbours: readonly SlsNetwork[], k3s: Target): string[] {
  return neighbours.flatMap((network) => {
    const text = network.ExtraProperties?.CIDR;
    const cidr = typeof text === "string" ? parseCidr(text) : undefined;
    if (cidr?.ok !== true || cidr.cidr.prefix === 0) return [];
    const shared = overlap(spanOf(cidr.cidr), k3s.span);
    if (shared === undefined) return [];
    return [
      `The ${network.Name} network (${text}) overlaps the K3s range ${k3s.cidr} at ${describeSpan(shared)}: addresses there would be routed to two networks.`,
    ];
  });
}

interface Target {
  span: AddressSpan;
  cidr: string;
}

/** An address field's value; IPv6 text cannot collide with an IPv4 range. */
function read(text: string): number | "ipv6" | "unreadable" {
  if (looksLikeIpv6(text)) return "ipv6";
  return parseIpv4(text.trim()) ?? "unreadable";
}

function unreadable(where: string, value: string, k3s: Target): Conflict {
  return {
    kind: "unreadable",
    where,
    value,
    message: `${where} is ${JSON.stringify(value)}, not an IPv4 address, so nobody can tell whether it is inside the K3s range ${k3s.cidr}. Fix it, then run again.`,
  };
}

function subnetConflicts(
  network: string,
  subnet: SlsSubnet,
  isK3s: boolean,
  k3s: Target,
): Conflict[] {
  const conflicts: Conflict[] = [];
  const of = `${network} subnet ${JSON.stringify(subnet.Name)}`;
  const isPool = subnet.MetalLBPoolName !== undefined || /metallb/i.test(subnet.Name);
  if (isPool && !isK3s) {
    const cidr = parseCidr(subnet.CIDR);
    if (!cidr.ok && !looksLikeIpv6(subnet.CIDR)) {
      const pool = `${network} MetalLB pool ${JSON.stringify(subnet.Name)}`;
      conflicts.push(unreadable(`The CIDR of ${pool}`, subnet.CIDR, k3s));
    } else if (cidr.ok) {
      const shared = overlap(spanOf(cidr.cidr), k3s.span);
      if (shared !== undefined) {
        conflicts.push({
          kind: "pool",
          network,
          subnet: subnet.Name,
          cidr: subnet.CIDR,
          address: formatIpv4(shared.first),
          message: `${network} MetalLB pool ${JSON.stringify(subnet.Name)} (${subnet.CIDR}) overlaps the K3s range ${k3s.cidr} at ${describeSpan(shared)}.`,
        });
      }
    }
  }
  for (const reservation of subnet.IPReservations ?? []) {
    const where = `IPReservation ${JSON.stringify(reservation.Name)} of ${of}`;
    const address = read(reservation.IPAddress);
    if (address === "unreadable") {
      conflicts.push(unreadable(`The IPAddress of ${where}`, reservation.IPAddress, k3s));
    } else if (address !== "ipv6" && within(k3s.span, address)) {
      conflicts.push({
        kind: "ip-reservation",
        network,
        subnet: subnet.Name,
        reservation: reservation.Name,
        address: formatIpv4(address),
        message: `${where} has ${formatIpv4(address)}, inside the K3s range ${k3s.cidr}.`,
      });
    }
  }
  const ranges = [
    ["dhcp-range", "DHCP range", subnet.DHCPStart, subnet.DHCPEnd],
    ["reservation-range", "Reservation range", subnet.ReservationStart, subnet.ReservationEnd],
  ] as const;
  for (const [kind, label, start, end] of ranges) {
    const where = { network, subnet: subnet.Name };
    const conflict = rangeConflict(kind, `${label} of ${of}`, where, start, end, k3s);
    if (conflict !== undefined) conflicts.push(conflict);
  }
  return conflicts;
}

/** A start..end range; with one bound missing, the bound alone (never silently nothing). */
function rangeConflict(
  kind: "dhcp-range" | "reservation-range",
  where: string,
  subnet: { network: string; subnet: string },
  startText: string | undefined,
  endText: string | undefined,
  k3s: Target,
): Conflict | undefined {
  const startValue = startText ?? endText;
  const endValue = endText ?? startText;
  if (startValue === undefined || endValue === undefined) return undefined;
  const start = read(startValue);
  const end = read(endValue);
  if (start === "unreadable") return unreadable(`The start of the ${where}`, startValue, k3s);
  if (end === "unreadable") return unreadable(`The end of the ${where}`, endValue, k3s);
  if (start === "ipv6" || end === "ipv6") return undefined;
  // A reversed range is bad data; checking the addresses between its ends errs on the safe side.
  const shared = overlap({ first: Math.min(start, end), last: Math.max(start, end) }, k3s.span);
  if (shared === undefined) return undefined;
  return {
    kind,
    ...subnet,
    start: formatIpv4(start),
    end: formatIpv4(end),
    address: formatIpv4(shared.first),
    message: `${where} (${formatIpv4(start)}-${formatIpv4(end)}) overlaps the K3s range ${k3s.cidr} at ${describeSpan(shared)}.`,
  };
}

function serviceConflicts(service: K8sService, k3s: Target): Conflict[] {
  const { namespace, name } = service.metadata;
  const type = service.spec?.type === undefined ? "" : ` (${service.spec.type})`;
  const who = `Kubernetes Service ${namespace}/${name}${type}`;
  const addresses: { field: string; value: string }[] = [];
  for (const ingress of service.status?.loadBalancer?.ingress ?? []) {
    if (ingress.ip !== undefined)
      addresses.push({ field: "status.loadBalancer.ingress", value: ingress.ip });
  }
  // A requested or external IP collides as surely as an assigned one, and a Service still
  // pending (no ingress yet) holds its request: MetalLB gives it that address when it can.
  const requested = service.spec?.loadBalancerIP;
  if (requested !== undefined && requested !== "") {
    addresses.push({ field: "spec.loadBalancerIP", value: requested });
  }
  for (const annotation of LOAD_BALANCER_IPS_ANNOTATIONS) {
    const list = service.metadata.annotations?.[annotation];
    if (list === undefined) continue;
    const field = `metadata.annotations["${annotation}"]`;
    for (const value of list.split(",").map((item) => item.trim())) {
      if (value !== "") addresses.push({ field, value });
    }
  }
  for (const ip of service.spec?.externalIPs ?? [])
    addresses.push({ field: "spec.externalIPs", value: ip });
  const conflicts: Conflict[] = [];
  const reported = new Set<number>();
  for (const { field, value } of addresses) {
    const address = read(value);
    if (address === "unreadable") {
      conflicts.push(unreadable(`The ${field} of ${who}`, value, k3s));
    } else if (address !== "ipv6" && !reported.has(address) && within(k3s.span, address)) {
      // The same IP in spec and status is one conflict, reported where it was first seen.
      reported.add(address);
      conflicts.push({
        kind: "service",
        namespace,
        service: name,
        field,
        address: formatIpv4(address),
        message: `${who} has ${field} ${formatIpv4(address)}, inside the K3s range ${k3s.cidr}.`,
      });
    }
  }
  return conflicts;
}

/**
 * MetalLB's request for given addresses, a comma-separated list (one per IP family): the
 * `metallb.universe.tf` prefix, and `metallb.io`, its name since MetalLB 0.14.9, which still
 * honours the old one.
 */
const LOAD_BALANCER_IPS_ANNOTATIONS = [
  "metallb.universe.tf/loadBalancerIPs",
  "metallb.io/loadBalancerIPs",
] as const;

function within(span: AddressSpan, address: number): boolean {
  return address >= span.first && address <= span.last;
}

function describeSpan(span: AddressSpan): string {
  return span.first === span.last
    ? formatIpv4(span.first)
    : `${formatIpv4(span.first)}-${formatIpv4(span.last)}`;
}
