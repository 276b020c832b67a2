import { formatIpv4, overlap, parseCidr, spanOf, type AddressSpan } from "../../core/ipv4";
import type { SplitReport, SplitReportSubnet } from "../../schemas/generated/split-report";
import { addressValue, networkSpan } from "./addresses";
import { outlineAddressText, outlineRangeText } from "./outline";
import { markup, type Html } from "./escape";

/**
 * The colours of the address map. Saturated and far apart, so that each survives
 * antialiasing and a test can find it in a screenshot; red is for conflicts only.
 */
export const MAP_COLOURS = {
  bootstrap: "#b0bec5",
  other: "#90a4ae",
  csmPool: "#2962ff",
  k3s: "#00c853",
  pools: ["#aa00ff", "#00b8d4", "#ffd600", "#795548"],
  dhcpRange: "#a1887f",
  reservationRange: "#5d4037",
  reservation: "#263238",
  loadBalancerIp: "#ff6d00",
  conflict: "#ff0000",
  split: "#000000",
} as const;

export interface LegendItem {
  colour: string;
  label: string;
}

export interface AddressMap {
  /** The inline <svg>, or a paragraph saying why there is none. */
  svg: Html;
  /** What each colour drawn means, in drawing order. */
  legend: LegendItem[];
}

const WIDTH = 1200;
const LEFT = 170;
const RIGHT = 40;
const BAR = WIDTH - LEFT - RIGHT;
const TOP = 34;
const GAP = 8;
const LABEL_ROW = 15;
/** Width of one character of the 11px monospace labels, to keep labels apart. */
const CHAR = 6.7;

interface Lane {
  label: string;
  /** Top edge. */
  y: number;
  height: number;
  marks: Html[];
}

/** The lanes top to bottom: subnets, pools, ranges, reservations, LoadBalancer IPs, conflicts. */
function stackLanes(): Lane[] {
  const lanes: [string, number][] = [
    ["Subnets", 30],
    ["MetalLB pools", 30],
    ["DHCP / reservation ranges", 16],
    ["IP reservations", 18],
    ["LoadBalancer IPs", 18],
    ["Conflicts", 22],
  ];
  let top = TOP;
  return lanes.map(([label, height]) => {
    const lane = { label, y: top, height, marks: [] };
    top += height + GAP;
    return lane;
  });
}

/**
 * An SVG map of the whole network as it will be after the split, to scale: each subnet as a
 * band (bootstrap and other subnets in one lane, MetalLB pools in the next), the split point
 * as a line, DHCP and reservation ranges as bars, IP reservations as ticks, live LoadBalancer
 * IPs as markers, conflicts in red, and the addresses at the subnets' boundaries. Every value
 * is escaped by `markup`; every number is rounded, so the same report gives the same bytes.
 */
export function addressMap(report: SplitReport): AddressMap {
  const subnets = report.subnets.after;
  const span = networkSpan(
    report.networkCidr,
    subnets.map((subnet) => subnet.cidr),
  );
  if (span === undefined) {
    return {
      svg: markup`<p>No address map: neither ${report.network} nor its subnets have an IPv4 CIDR.</p>`,
      legend: [],
    };
  }
  const scale = new Scale(span);
  const legend = new Legend();
  const lanes = stackLanes();
  const [subnetLane, poolLane, rangeLane, reservationLane, ipLane, conflictLane] = lanes;
  const last = lanes[lanes.length - 1];
  const bottom = last.y + last.height;
  const boundaries: Boundary[] = [
    { address: span.first, edge: "start" },
    { address: span.last, edge: "end" },
  ];

  let otherPools = 0;
  for (const subnet of subnets) {
    const parsed = parseCidr(subnet.cidr);
    const band = parsed.ok ? overlap(spanOf(parsed.cidr), span) : undefined;
    if (band === undefined) continue;
    boundaries.push({ address: band.first, edge: "start" }, { address: band.last, edge: "end" });
    const colour =
      subnet.role === "pool"
        ? MAP_COLOURS.pools[otherPools++ % MAP_COLOURS.pools.length]
        : ROLE_COLOURS[subnet.role];
    legend.add(colour, bandLabel(subnet, report));
    const lane = subnet.role === "bootstrap" || subnet.role === "other" ? subnetLane : poolLane;
    lane.marks.push(
      scale.band(band, lane, colour, [`${subnet.name} ${subnet.cidr}`, subnet.cidr], {
        tip: `${subnet.name} (${subnet.fullName}) ${subnet.cidr}`,
      }),
    );
    const ranges = [
      [subnet.dhcpStart, subnet.dhcpEnd, MAP_COLOURS.dhcpRange, "DHCP range"],
      [
        subnet.reservationStart,
        subnet.reservationEnd,
        MAP_COLOURS.reservationRange,
        "Reservation range",
      ],
    ] as const;
    for (const [start, end, rangeColour, what] of ranges) {
      const range = addressSpan(start ?? end, end ?? start);
      const shown = range === undefined ? undefined : overlap(range, span);
      if (shown === undefined) continue;
      legend.add(rangeColour, what);
      const tip = `${what} of ${subnet.name}: ${outlineRangeText(start, end)}`;
      rangeLane.marks.push(scale.band(shown, rangeLane, rangeColour, [], { tip }));
    }
  }
  for (const reservation of report.reservations) {
    const address = addressValue(reservation.address);
    if (address === undefined || address < span.first || address > span.last) continue;
    legend.add(MAP_COLOURS.reservation, "IP reservation");
    const tip = `${reservation.address} ${reservation.subnet}/${reservation.name}`;
    reservationLane.marks.push(scale.tick(address, reservationLane, tip));
  }
  for (const ip of report.loadBalancerIps) {
    const address = addressValue(ip.address);
    if (address === undefined) continue;
    legend.add(MAP_COLOURS.loadBalancerIp, "live LoadBalancer IP");
    ipLane.marks.push(scale.marker(address, ipLane, `${ip.address} ${ip.namespace}/${ip.service}`));
  }
  for (const conflict of report.conflicts) {
    const range = addressSpan(conflict.address, conflict.addressEnd);
    const shown = range === undefined ? undefined : overlap(range, span);
    if (shown === undefined) continue;
    legend.add(MAP_COLOURS.conflict, "conflict: already in use in the K3s range");
    const where = outlineAddressText(conflict.address, conflict.addressEnd);
    conflictLane.marks.push(
      scale.band(shown, conflictLane, MAP_COLOURS.conflict, [], {
        tip: `${where} ${conflict.subject}: ${conflict.message}`,
        minWidth: 6,
      }),
    );
  }
  if (report.conflicts.length === 0) {
    const none = report.kubernetesChecked ? "none" : "none in SLS; Kubernetes NOT checked";
    conflictLane.marks.push(
      markup`<text x="${LEFT + 6}" y="${conflictLane.y + 15}" class="none">${none}</text>\n`,
    );
  }

  const k3s = parseCidr(report.k3s.cidr);
  let splitMark = markup``;
  if (k3s.ok && overlap(spanOf(k3s.cidr), span) !== undefined) {
    const label = report.status === "already-split" ? "K3s from" : "split at";
    splitMark = scale.splitLine(Math.max(k3s.cidr.network, span.first), bottom, label);
    legend.add(MAP_COLOURS.split, "split point: the K3s subnet starts here");
  }

  const labels = boundaryLabels(boundaries, scale, bottom + 16);
  const height = bottom + 16 + labels.rows * LABEL_ROW + 4;
  const name = `Address map of ${report.network} ${formatIpv4(span.first)}-${formatIpv4(span.last)}`;
  const svg = markup`<svg class="map" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${name}">
<g shape-rendering="crispEdges">
${lanes.map(
  (
    lane,
  ) => markup`<text x="${LEFT - 8}" y="${lane.y + lane.height / 2 + 4}" class="lane">${lane.label}</text>
<rect x="${LEFT}" y="${lane.y}" width="${BAR}" height="${lane.height}" class="lane-bg"/>
${lane.marks}`,
)}</g>
${splitMark}<line x1="${LEFT}" y1="${bottom + 4}" x2="${LEFT + BAR}" y2="${bottom + 4}" class="axis"/>
${labels.marks}</svg>`;
  return { svg, legend: legend.items };
}

const ROLE_COLOURS: Readonly<Record<Exclude<SplitReportSubnet["role"], "pool">, string>> = {
  bootstrap: MAP_COLOURS.bootstrap,
  other: MAP_COLOURS.other,
  "csm-pool": MAP_COLOURS.csmPool,
  k3s: MAP_COLOURS.k3s,
};

function bandLabel(subnet: SplitReportSubnet, report: SplitReport): string {
  switch (subnet.role) {
    case "csm-pool":
      return `CSM pool ${report.csmPool?.name ?? subnet.name} (lower half): ${subnet.name} ${subnet.cidr}`;
    case "k3s":
      return `K3s subnet ${subnet.name} ${subnet.cidr}`;
    case "bootstrap":
      return `${subnet.name} ${subnet.cidr}`;
    default:
      return `${subnet.role === "pool" ? "MetalLB pool" : "subnet"} ${subnet.name} ${subnet.cidr}`;
  }
}

class Legend {
  readonly items: LegendItem[] = [];
  private readonly seen = new Set<string>();

  add(colour: string, label: string): void {
    const key = `${colour} ${label}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push({ colour, label });
  }
}

/** Addresses to x coordinates: the network spans the bar, each address an equal share. */
class Scale {
  private readonly size: number;

  constructor(private readonly span: AddressSpan) {
    this.size = span.last - span.first + 1;
  }

  x(address: number): number {
    return LEFT + ((address - this.span.first) * BAR) / this.size;
  }

  /** One address's width on the bar. */
  get cell(): number {
    return BAR / this.size;
  }

  band(
    range: AddressSpan,
    lane: Lane,
    colour: string,
    captions: string[],
    { tip, minWidth = 2 }: { tip: string; minWidth?: number },
  ): Html {
    const left = this.x(range.first);
    const width = this.x(range.last + 1) - left;
    const shown = Math.max(width, minWidth);
    const x = left - (shown - width) / 2;
    // The longest caption that fits; the legend and the tables carry the names anyway.
    const caption = captions.find((candidate) => candidate.length * CHAR + 10 < shown);
    const text =
      caption === undefined
        ? markup``
        : markup`<text x="${num(x + shown / 2)}" y="${lane.y + lane.height / 2 + 4}" class="caption">${caption}</text>`;
    return markup`<rect x="${num(x)}" y="${lane.y}" width="${num(shown)}" height="${lane.height}" fill="${colour}"><title>${tip}</title></rect>${text}\n`;
  }

  tick(address: number, lane: Lane, tip: string): Html {
    const width = Math.max(1, Math.min(this.cell - 1, 3));
    const x = this.x(address) + (this.cell - width) / 2;
    return markup`<rect x="${num(x)}" y="${lane.y}" width="${num(width)}" height="${lane.height}" fill="${MAP_COLOURS.reservation}"><title>${tip}</title></rect>\n`;
  }

  /** A diamond in the middle of the address's cell. */
  marker(address: number, lane: Lane, tip: string): Html {
    const cx = this.x(address) + this.cell / 2;
    const cy = lane.y + lane.height / 2;
    const r = Math.min(lane.height / 2 - 1, 6);
    const points = [
      [cx, cy - r],
      [cx + r, cy],
      [cx, cy + r],
      [cx - r, cy],
    ]
      .map(([px, py]) => `${num(px)},${num(py)}`)
      .join(" ");
    return markup`<polygon points="${points}" fill="${MAP_COLOURS.loadBalancerIp}"><title>${tip}</title></polygon>\n`;
  }

  splitLine(address: number, bottom: number, label: string): Html {
    const x = num(this.x(address));
    return markup`<line x1="${x}" y1="${TOP - 8}" x2="${x}" y2="${bottom + 4}" class="split"/>
<text x="${x}" y="${TOP - 12}" class="split-label">${label} ${formatIpv4(address)}</text>\n`;
  }
}

interface Boundary {
  address: number;
  /** start: the label is at the address's left edge; end: at its right edge. */
  edge: "start" | "end";
}

/** The boundary addresses under the axis, each row's labels kept apart. */
function boundaryLabels(
  boundaries: Boundary[],
  scale: Scale,
  y: number,
): { marks: Html[]; rows: number } {
  const starts = new Set(boundaries.filter((b) => b.edge === "start").map((b) => b.address));
  const unique = new Map<string, Boundary>();
  for (const boundary of boundaries) {
    // An end right before another start is that start's boundary already.
    if (boundary.edge === "end" && starts.has(boundary.address + 1)) continue;
    unique.set(`${boundary.address} ${boundary.edge}`, boundary);
  }
  const sorted = [...unique.values()].sort(
    (a, b) => a.address - b.address || (a.edge === b.edge ? 0 : a.edge === "start" ? -1 : 1),
  );
  const rowEnds: number[] = [];
  const marks = sorted.map((boundary) => {
    const text = formatIpv4(boundary.address);
    const x = boundary.edge === "start" ? scale.x(boundary.address) : scale.x(boundary.address + 1);
    const width = text.length * CHAR;
    const left = boundary.edge === "start" ? x : x - width;
    let row = rowEnds.findIndex((end) => end + 6 <= left);
    if (row === -1) row = rowEnds.push(0) - 1;
    rowEnds[row] = left + width;
    const anchor = boundary.edge === "start" ? "start" : "end";
    const ty = y + row * LABEL_ROW;
    return markup`<line x1="${num(x)}" y1="${y - 14}" x2="${num(x)}" y2="${ty - 9}" class="tick"/><text x="${num(x)}" y="${ty}" text-anchor="${anchor}" class="address">${text}</text>\n`;
  });
  return { marks, rows: Math.max(rowEnds.length, 1) };
}

function addressSpan(start: string | null, end: string | null): AddressSpan | undefined {
  const a = addressValue(start);
  const b = addressValue(end);
  if (a === undefined || b === undefined) return undefined;
  return { first: Math.min(a, b), last: Math.max(a, b) };
}

/** Two decimals at most: the same text on every run and machine. */
function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}
