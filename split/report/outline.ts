import type {
  SplitReport,
  SplitReportStep,
  SplitReportSubnet,
} from "../../schemas/generated/split-report";

/**
 * What the text, Markdown and HTML reports share: one outline of the report, with the wording of
 * every heading and cell, so that the three say the same things in the same order. Values are
 * plain strings here; each renderer escapes them for its format.
 */
export interface ReportOutline {
  title: string;
  /** "READY: <summary>"; UNVERIFIED, never READY, when Kubernetes was not checked. */
  status: string;
  /** Label and value of each fact under the status: sources, K3s range, CSM pool. */
  facts: [label: string, value: string][];
  tables: ReportOutlineTable[];
  conflicts: {
    heading: string;
    /** What to say when there are none: never that an unchecked side passed. */
    none: string | undefined;
    items: { address: string; kind: string; subject: string; message: string }[];
  };
  /** Warnings, then notes; only those with items. */
  lists: { name: string; items: string[] }[];
  steps: SplitReportStep[];
}

export interface ReportOutlineTable {
  title: string;
  /** What the change marks in the table mean; "" when it has none. */
  legend: string;
  /** A blank column for the change mark, then SUBNET_COLUMNS. */
  header: string[];
  rows: { change: SplitReportSubnet["change"]; cells: string[] }[];
}

export function reportOutline(report: SplitReport): ReportOutline {
  const { conflicts } = report;
  return {
    title: title(report),
    status: `${STATUS_LABELS[report.status]}: ${report.summary}`,
    facts: [
      ["SLS", report.origin],
      ["Services", report.servicesOrigin ?? "none given: the Kubernetes check was NOT done"],
      ["K3s subnet", `${report.k3s.fullName} (${report.k3s.name})`],
      ["K3s range", k3sRangeText(report)],
      [
        "UAN vars",
        `metallb_ipaddresspool_range_start/_end: ${report.k3s.first} / ${report.k3s.last}`,
      ],
      ["CSM pool", csmPoolText(report)],
    ],
    tables: subnetTables(report).map(([tableTitle, subnets]) => ({
      title: tableTitle,
      legend: changeLegend(subnets),
      header: ["", ...SUBNET_COLUMNS],
      rows: subnets.map((subnet) => ({
        change: subnet.change,
        cells: [CHANGE_MARKS[subnet.change], ...subnetCells(subnet)],
      })),
    })),
    conflicts: {
      heading: `Conflicts (${conflicts.length})`,
      none: conflicts.length > 0 ? undefined : noConflictsText(report),
      items: conflicts.map((c) => ({
        address: outlineAddressText(c.address, c.addressEnd),
        kind: c.kind,
        subject: c.subject,
        message: c.message,
      })),
    },
    lists: [
      { name: "Warnings", items: report.warnings },
      { name: "Notes", items: report.notes },
    ].filter((list) => list.items.length > 0),
    steps: report.nextSteps,
  };
}

/** "-" where SLS has no value. */
const NONE = "-";

const SUBNET_COLUMNS = [
  "Name",
  "FullName",
  "CIDR",
  "Gateway",
  "VLAN",
  "MetalLBPoolName",
  "DHCP range",
  "Reservation range",
  "IPs",
] as const;

function subnetCells(subnet: SplitReportSubnet): string[] {
  return [
    subnet.name,
    subnet.fullName,
    subnet.cidr,
    subnet.gateway ?? NONE,
    subnet.vlanId === null ? NONE : String(subnet.vlanId),
    subnet.metalLBPoolName ?? NONE,
    outlineRangeText(subnet.dhcpStart, subnet.dhcpEnd),
    outlineRangeText(subnet.reservationStart, subnet.reservationEnd),
    String(subnet.reservationCount),
  ];
}

export function outlineRangeText(start: string | null, end: string | null): string {
  if (start === null && end === null) return NONE;
  return `${start ?? "?"}-${end ?? "?"}`;
}

const CHANGE_MARKS: Readonly<Record<SplitReportSubnet["change"], string>> = {
  unchanged: " ",
  changed: "~",
  added: "+",
  removed: "-",
};

const CHANGE_MEANINGS: Readonly<Record<SplitReportSubnet["change"], string>> = {
  unchanged: "",
  changed: "~ changed by the split",
  added: "+ added by the split",
  removed: "- removed by the split",
};

function changeLegend(subnets: readonly SplitReportSubnet[]): string {
  const present = new Set(subnets.map((subnet) => subnet.change));
  return (["changed", "added", "removed"] as const)
    .filter((change) => present.has(change))
    .map((change) => CHANGE_MEANINGS[change])
    .join(", ");
}

/** Before and after; one table when already split, since nothing changes. */
function subnetTables(report: SplitReport): [string, SplitReportSubnet[]][] {
  const net = report.network;
  if (report.status === "already-split") {
    return [[`${net} subnets (already split: nothing to change)`, report.subnets.before]];
  }
  return [
    [`Before: ${net} subnets as read from SLS`, report.subnets.before],
    [`After: ${net} subnets to PUT`, report.subnets.after],
  ];
}

const STATUS_LABELS: Readonly<Record<SplitReport["status"], string>> = {
  ready: "READY",
  unverified: "UNVERIFIED",
  blocked: "BLOCKED",
  "already-split": "ALREADY SPLIT",
};

function title(report: SplitReport): string {
  const cidr = report.networkCidr === null ? "" : ` ${report.networkCidr}`;
  return `uan-k3s split: ${report.network}${cidr}`;
}

function k3sRangeText(report: SplitReport): string {
  const { cidr, first, last, count } = report.k3s;
  return `${cidr}: ${first} - ${last} (${count} addresses)`;
}

function csmPoolText(report: SplitReport): string {
  const pool = report.csmPool;
  if (pool === null) return "unknown: SLS has no subnet the K3s subnet was split from";
  const verb = report.status === "already-split" ? "should be" : "shrinks to";
  return `${pool.name} ${verb} ${pool.cidr}: ${pool.first} - ${pool.last} (${pool.count} addresses)`;
}

function noConflictsText(report: SplitReport): string {
  return report.kubernetesChecked
    ? "None: nothing in SLS or in the live Kubernetes Services uses the K3s range."
    : "None found in SLS. Kubernetes: NOT checked (no Services were given).";
}

export function outlineAddressText(address: string | null, end: string | null): string {
  if (address === null) return "?";
  return end === null || end === address ? address : `${address}-${end}`;
}
