import { byCodeUnit } from "../../core/order";
import type { SlsIpReservation, SlsNetwork, SlsSubnet } from "../../schemas/generated/sls";

/** JSON with every object's keys sorted: two values are equal exactly when these texts are. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    field !== null && typeof field === "object" && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([a], [b]) => byCodeUnit(a, b)))
      : field,
  );
}

/** SLS stamps these on every write and ignores them in a PUT body. */
const STAMPS = ["LastUpdated", "LastUpdatedTime"] as const;

/** The network without the server's write stamps: what a PUT can set. */
export function withoutStamps(network: SlsNetwork): SlsNetwork {
  const copy: Partial<SlsNetwork> = { ...network };
  for (const stamp of STAMPS) delete copy[stamp];
  return copy as SlsNetwork;
}

/**
 * What differs between two readings of one network, in words an admin can act on: subnets
 * added or removed, changed CIDRs, IPReservations added or removed, other keys by name. With
 * `stamps` a difference in LastUpdated alone is one: someone wrote the network meanwhile, even
 * if with the same content. Empty when the two are equal.
 */
export function networkChanges(
  before: SlsNetwork,
  after: SlsNetwork,
  options: { stamps: boolean },
): string[] {
  const [was, now] = options.stamps
    ? [before, after]
    : [withoutStamps(before), withoutStamps(after)];
  if (canonicalJson(was) === canonicalJson(now)) return [];
  const changes = [
    ...keyChanges(was, now, ["ExtraProperties", ...STAMPS], ""),
    ...keyChanges(
      was.ExtraProperties ?? {},
      now.ExtraProperties ?? {},
      ["Subnets"],
      "ExtraProperties.",
    ),
    ...subnetChanges(was.ExtraProperties?.Subnets ?? [], now.ExtraProperties?.Subnets ?? []),
  ];
  if (changes.length > 0) return changes;
  const stamped = canonicalJson(withoutStamps(was)) === canonicalJson(withoutStamps(now));
  return [
    stamped
      ? "LastUpdated changed (the network was written since it was read, perhaps with the same content)"
      : "the network changed",
  ];
}

/** Keys of two objects whose values differ, `skip` aside. */
function keyChanges(was: object, now: object, skip: readonly string[], prefix: string): string[] {
  const a = was as Record<string, unknown>;
  const b = now as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((key) => !skip.includes(key) && canonicalJson(a[key]) !== canonicalJson(b[key]))
    .sort(byCodeUnit)
    .map((key) => `${prefix}${key} ${valueChange(a[key], b[key])}`);
}

/** "was X, now Y" for short values, "changed" for anything long. */
function valueChange(was: unknown, now: unknown): string {
  // JSON.stringify gives undefined only for undefined (or functions, which JSON has not).
  const show = (value: unknown): string => JSON.stringify(value) ?? "absent";
  const [a, b] = [show(was), show(now)];
  return a.length + b.length <= 80 ? `was ${a}, now ${b}` : "changed";
}

function subnetChanges(was: readonly SlsSubnet[], now: readonly SlsSubnet[]): string[] {
  const before = byName(was);
  const after = byName(now);
  // Two subnets with one Name cannot be told apart; say that the list changed at all.
  if (before === undefined || after === undefined) return ["Subnets[] changed"];
  const describe = (subnet: SlsSubnet): string =>
    `subnet ${JSON.stringify(subnet.Name)} (${subnet.CIDR})`;
  const changes: string[] = [];
  for (const [name, subnet] of before) {
    if (!after.has(name)) changes.push(`${describe(subnet)} removed`);
  }
  for (const [name, subnet] of after) {
    if (!before.has(name)) changes.push(`${describe(subnet)} added`);
  }
  for (const [name, old] of before) {
    const subnet = after.get(name);
    if (subnet === undefined) continue;
    const where = `subnet ${JSON.stringify(name)}:`;
    changes.push(
      ...keyChanges(old, subnet, ["IPReservations"], `${where} `),
      ...reservationChanges(old.IPReservations ?? [], subnet.IPReservations ?? []).map(
        (change) => `${where} ${change}`,
      ),
    );
  }
  const common = (names: Map<string, SlsSubnet>, other: Map<string, SlsSubnet>): string =>
    [...names.keys()].filter((name) => other.has(name)).join("\n");
  if (common(before, after) !== common(after, before)) changes.push("Subnets[] reordered");
  return changes;
}

function reservationChanges(
  was: readonly SlsIpReservation[],
  now: readonly SlsIpReservation[],
): string[] {
  const before = byName(was);
  const after = byName(now);
  if (before === undefined || after === undefined) {
    return canonicalJson(was) === canonicalJson(now) ? [] : ["IPReservations changed"];
  }
  const describe = (reservation: SlsIpReservation): string =>
    `IPReservation ${JSON.stringify(reservation.Name)} (${reservation.IPAddress})`;
  const changes: string[] = [];
  for (const [name, reservation] of before) {
    const current = after.get(name);
    if (current === undefined) changes.push(`${describe(reservation)} removed`);
    else if (canonicalJson(current) !== canonicalJson(reservation)) {
      changes.push(`IPReservation ${JSON.stringify(name)} changed`);
    }
  }
  for (const [name, reservation] of after) {
    if (!before.has(name)) changes.push(`${describe(reservation)} added`);
  }
  return changes;
}

/** Items by Name, in their order; undefined when two share a Name. */
function byName<T extends { Name: string }>(items: readonly T[]): Map<string, T> | undefined {
  const map = new Map(items.map((item) => [item.Name, item]));
  return map.size === items.length ? map : undefined;
}
