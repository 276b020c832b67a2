import {
  formatCidr,
  formatIpv4,
  looksLikeIpv6,
  overlap,
  parseCidr,
  spanOf,
  type AddressSpan,
} from "../../core/ipv4";
import { byCodeUnit, sortKeysDeep } from "../../core/order";
import { validate } from "../../core/validate";
import { subnetsOf } from "../../inventory/networks";
import type {
  SplitReport,
  SplitReportConflict,
  SplitReportLoadBalancerIp,
  SplitReportReservation,
  SplitReportSubnet,
} from "../../schemas/generated/split-report";
import type { SlsNetwork, SlsSubnet } from "../../schemas/generated/sls";
import type { Conflict, ConflictCheck } from "../conflicts";
import { BOOTSTRAP_SUBNET_NAME, type AddressRange, type SplitPlan } from "../plan";
import { addressValue, networkSpan } from "./addresses";
import { nextSteps } from "./steps";
import type { K8sServiceList } from "../services";

export type { SplitReport } from "../../schemas/generated/split-report";

/** What a split report is built from; nothing here is changed. */
export interface SplitReportInput {
  plan: SplitPlan;
  /** findConflicts(plan, services). */
  check: ConflictCheck;
  /** Where SLS came from: the dumpstate file or the API URL. */
  origin: string;
  /** The live Services the check was given, drawn on the address map. */
  services?: K8sServiceList;
  /** Where the Services came from (a file name). */
  servicesOrigin?: string;
  /**
   * The arguments of this run that choose the data and the names (source flags, --network,
   * name options), repeated in the commands of the next steps. Undefined: the commands say
   * "with the same flags as this run". @default undefined
   */
  rerunArgs?: readonly string[];
  /** The directory `--out` writes the files to; undefined: the files are named alone. */
  outDir?: string;
  /**
   * True when the run was given the live ConfigMap (`kubectl get cm metallb -n metallb-system
   * -o yaml`), so that csm-metallb-configmap.yaml is a whole ConfigMap for `kubectl replace`;
   * otherwise it is only the pool entry, to merge with `kubectl edit`. @default false
   */
  wholeConfigMap?: boolean;
}

/**
 * The split report: what `uan-k3s split` prints (text or JSON) and writes with --out
 * (report.json, report.md, report.html). A plain JSON-able object, deterministic (no
 * timestamps; subnets in SLS order, everything else sorted) and checked by
 * schemas/split-report.schema.json. Pure: reads the input without changing it.
 */
export function buildSplitReport(input: SplitReportInput): SplitReport {
  const { plan, check } = input;
  const before = plan.kind === "split" ? plan.networkBefore : plan.network;
  const after = plan.kind === "split" ? plan.networkAfter : plan.network;
  const k3sSpan = spanOfCidr(plan.range.cidr);
  if (k3sSpan === undefined) throw new Error(`plan range ${plan.range.cidr} is not a CIDR`);
  const conflicts = sortByAddress(
    check.conflicts.map((c) => reportConflict(c, k3sSpan)),
    (c) => [c.addressEnd ?? "", c.kind, c.subject],
  );
  const status = statusOf(plan, conflicts.length, check.kubernetesChecked);
  const roles = roleOf(plan);
  const beforeSubnets = subnetsOf(before);
  const afterSubnets = subnetsOf(after);
  const networkCidr = before.ExtraProperties?.CIDR ?? null;
  const span = networkSpan(
    networkCidr,
    afterSubnets.map((subnet) => subnet.CIDR),
  );
  const report: SplitReport = {
    reportVersion: 1,
    origin: input.origin,
    servicesOrigin: input.servicesOrigin ?? null,
    network: plan.net,
    networkCidr,
    status,
    summary: "",
    kubernetesChecked: check.kubernetesChecked,
    k3s: {
      name: plan.k3s.Name,
      fullName: plan.k3s.FullName,
      metalLBPoolName: plan.k3s.MetalLBPoolName ?? null,
      ...rangeOf(plan.range),
    },
    csmPool:
      plan.csmPool === undefined
        ? null
        : { name: plan.csmPool.name, ...rangeOf(plan.csmPool.range) },
    subnets: {
      before: beforeSubnets.map((s) => subnetRow(s, roles(s), change(s, afterSubnets, "removed"))),
      after: afterSubnets.map((s) => subnetRow(s, roles(s), change(s, beforeSubnets, "added"))),
    },
    reservations: reservationsOf(after),
    loadBalancerIps: loadBalancerIps(input.services, span),
    conflicts,
    notes: [...plan.notes],
    warnings: [...plan.warnings, ...check.warnings],
    nextSteps: [],
  };
  report.summary = summaryOf(report);
  report.nextSteps = nextSteps(report, input);
  return sortKeysDeep(report);
}

/** report.json and `--format json`: the report with sorted keys, two-space indent, LF. */
export function renderJson(report: SplitReport): string {
  return `${JSON.stringify(sortKeysDeep(report), null, 2)}\n`;
}

/** Checks a report read back (e.g. report.json) against its schema; every error with `origin`. */
export function parseSplitReport(data: unknown, origin: string): SplitReport {
  return validate<SplitReport>(data, "split-report.schema.json", origin);
}

/** Exactly the schema's keys, whatever else the plan's range may grow. */
function rangeOf({ cidr, first, last, count }: AddressRange): AddressRange {
  return { cidr, first, last, count };
}

/**
 * Never "ready" without the live Services: the seed marks that check Important, and a
 * LoadBalancer IP in the K3s range would be handed out twice.
 */
function statusOf(
  plan: SplitPlan,
  conflicts: number,
  kubernetesChecked: boolean,
): SplitReport["status"] {
  if (plan.kind === "already-split") return "already-split";
  if (conflicts > 0) return "blocked";
  return kubernetesChecked ? "ready" : "unverified";
}

function summaryOf(report: SplitReport): string {
  const { k3s, conflicts } = report;
  const inUse = `${conflicts.length} ${conflicts.length === 1 ? "conflict" : "conflicts"} with the K3s range ${k3s.cidr} (see Conflicts)`;
  switch (report.status) {
    case "blocked":
      return `${inUse}: resolve every one before splitting; nothing may be applied yet.`;
    case "already-split":
      return (
        `SLS already has ${JSON.stringify(k3s.fullName)} ${k3s.cidr} (${k3s.first} - ${k3s.last}); nothing to change in SLS.` +
        (conflicts.length > 0 ? ` But ${inUse}.` : "")
      );
    case "ready":
      return `Nothing in SLS or Kubernetes uses the K3s range ${k3s.cidr}; the split can be applied.`;
    case "unverified":
      return `Nothing in SLS uses the K3s range ${k3s.cidr}, but the Kubernetes check was NOT done: live LoadBalancer IPs in it are unknown.`;
  }
}

type Role = SplitReportSubnet["role"];

/** Tells each subnet's part in the split; the same before and after it. */
function roleOf(plan: SplitPlan): (subnet: SlsSubnet) => Role {
  const csmCidr = plan.csmPool?.range.cidr;
  return (subnet) => {
    if (subnet.Name === BOOTSTRAP_SUBNET_NAME) return "bootstrap";
    if (subnet.FullName === plan.k3s.FullName) return "k3s";
    // Already split, the plan knows CSM's pool by its (lower half) CIDR only.
    const isCsmPool =
      plan.kind === "split"
        ? subnet.FullName === plan.original.FullName
        : csmCidr !== undefined && canonical(subnet.CIDR) === csmCidr;
    if (isCsmPool) return "csm-pool";
    // The same test findConflicts uses for "another MetalLB pool".
    if (subnet.MetalLBPoolName !== undefined || /metallb/i.test(subnet.Name)) return "pool";
    return "other";
  };
}

function canonical(cidr: string): string | undefined {
  const parsed = parseCidr(cidr);
  return parsed.ok ? formatCidr(parsed.cidr) : undefined;
}

/** Unchanged when the other side has the same subnet by Name with the same keys and values. */
function change(
  subnet: SlsSubnet,
  others: readonly SlsSubnet[],
  missing: "added" | "removed",
): SplitReportSubnet["change"] {
  const other = others.find((candidate) => candidate.Name === subnet.Name);
  if (other === undefined) return missing;
  const same = JSON.stringify(sortKeysDeep(other)) === JSON.stringify(sortKeysDeep(subnet));
  return same ? "unchanged" : "changed";
}

/** What names a subnet and where it is, as the report and the APPLIED output show it. */
export function subnetSummary(
  subnet: SlsSubnet,
): Pick<
  SplitReportSubnet,
  "name" | "fullName" | "cidr" | "gateway" | "vlanId" | "metalLBPoolName"
> {
  return {
    name: subnet.Name,
    fullName: subnet.FullName,
    cidr: subnet.CIDR,
    gateway: subnet.Gateway ?? null,
    vlanId: subnet.VlanID ?? null,
    metalLBPoolName: subnet.MetalLBPoolName ?? null,
  };
}

function subnetRow(
  subnet: SlsSubnet,
  role: Role,
  changed: SplitReportSubnet["change"],
): SplitReportSubnet {
  return {
    ...subnetSummary(subnet),
    dhcpStart: subnet.DHCPStart ?? null,
    dhcpEnd: subnet.DHCPEnd ?? null,
    reservationStart: subnet.ReservationStart ?? null,
    reservationEnd: subnet.ReservationEnd ?? null,
    reservationCount: (subnet.IPReservations ?? []).length,
    role,
    change: changed,
  };
}

function reservationsOf(network: SlsNetwork): SplitReportReservation[] {
  const all = subnetsOf(network).flatMap((subnet) =>
    (subnet.IPReservations ?? []).map((reservation) => ({
      subnet: subnet.Name,
      name: reservation.Name,
      address: reservation.IPAddress,
    })),
  );
  return sortByAddress(all, (r) => [r.subnet, r.name]);
}

/** The live LoadBalancer IPs inside the network: the markers of the address map. */
function loadBalancerIps(
  services: K8sServiceList | undefined,
  span: AddressSpan | undefined,
): SplitReportLoadBalancerIp[] {
  if (services === undefined || span === undefined) return [];
  const ips = services.items.flatMap((service) =>
    (service.status?.loadBalancer?.ingress ?? []).flatMap((ingress) => {
      const value = addressValue(ingress.ip ?? null);
      if (value === undefined || value < span.first || value > span.last) return [];
      return [
        {
          namespace: service.metadata.namespace,
          service: service.metadata.name,
          address: formatIpv4(value),
        },
      ];
    }),
  );
  return sortByAddress(ips, (ip) => [ip.namespace, ip.service]);
}

function reportConflict(conflict: Conflict, k3s: AddressSpan): SplitReportConflict {
  const { kind, message } = conflict;
  // A reservation or a Service holds one address.
  const one = (subject: string, address: string): SplitReportConflict => ({
    kind,
    subject,
    address,
    addressEnd: address,
    message,
  });
  switch (conflict.kind) {
    // SLS subjects name their network: the reservation may be in CMN, not the user network.
    case "ip-reservation":
      return one(
        `${conflict.network}/${conflict.subnet}/${conflict.reservation}`,
        conflict.address,
      );
    case "service":
      return one(`${conflict.namespace}/${conflict.service}`, conflict.address);
    case "dhcp-range":
    case "reservation-range": {
      const ends = [addressValue(conflict.start), addressValue(conflict.end)];
      const held = heldSpan(ends[0], ends[1], k3s);
      return { kind, subject: `${conflict.network}/${conflict.subnet}`, ...held, message };
    }
    case "pool": {
      const pool = looksLikeIpv6(conflict.cidr) ? undefined : spanOfCidr(conflict.cidr);
      const subject = `${conflict.network}/${conflict.subnet}`;
      return { kind, subject, ...heldSpan(pool?.first, pool?.last, k3s), message };
    }
    case "unreadable":
      return { kind, subject: conflict.where, address: null, addressEnd: null, message };
  }
}

/** The part of first..last inside the K3s range, as addresses. */
function heldSpan(
  first: number | undefined,
  last: number | undefined,
  k3s: AddressSpan,
): { address: string | null; addressEnd: string | null } {
  if (first === undefined || last === undefined) return { address: null, addressEnd: null };
  const shared = overlap({ first: Math.min(first, last), last: Math.max(first, last) }, k3s);
  if (shared === undefined) return { address: null, addressEnd: null };
  return { address: formatIpv4(shared.first), addressEnd: formatIpv4(shared.last) };
}

function spanOfCidr(cidr: string): AddressSpan | undefined {
  const parsed = parseCidr(cidr);
  return parsed.ok ? spanOf(parsed.cidr) : undefined;
}

/**
 * Sorted by address (unreadable ones last), then by `tieBreak` and the message, in code-unit
 * order: the same order on every machine.
 */
function sortByAddress<T extends { address: string | null; message?: string }>(
  items: T[],
  tieBreak: (item: T) => string[] = () => [],
): T[] {
  const key = (item: T): number => addressValue(item.address) ?? Number.MAX_SAFE_INTEGER;
  return [...items].sort((a, b) => {
    if (key(a) !== key(b)) return key(a) - key(b);
    const as = [...tieBreak(a), a.message ?? ""];
    const bs = [...tieBreak(b), b.message ?? ""];
    for (let i = 0; i < as.length; i += 1) {
      const order = byCodeUnit(as[i], bs[i]);
      if (order !== 0) return order;
    }
    return 0;
  });
}
