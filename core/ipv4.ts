/**
 * IPv4 arithmetic on unsigned 32-bit numbers. SLS is IPv4 for everything this tool touches;
 * IPv6 text is recognised only so that it can be rejected with a clear message.
 */

export interface Ipv4Cidr {
  /** The network address (host bits cleared). */
  readonly network: number;
  readonly prefix: number;
}

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | undefined {
  const match = OCTETS.exec(text);
  if (match === null) return undefined;
  let value = 0;
  for (const octet of match.slice(1)) {
    if (octet.length > 1 && octet.startsWith("0")) return undefined; // "010" is ambiguous (octal?)
    const n = Number(octet);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

export function looksLikeIpv6(text: string): boolean {
  return text.includes(":");
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export type CidrParse =
  { ok: true; cidr: Ipv4Cidr; canonical: boolean } | { ok: false; reason: string };

/** Parses "a.b.c.d/n". `canonical` is false when host bits were set (e.g. 10.1.1.193/27). */
export function parseCidr(text: string): CidrParse {
  if (looksLikeIpv6(text)) return { ok: false, reason: `${text} is IPv6; only IPv4 is supported` };
  const slash = text.indexOf("/");
  if (slash === -1) return { ok: false, reason: `${text} has no /prefix` };
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined) return { ok: false, reason: `${text} is not an IPv4 address/prefix` };
  if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) {
    return { ok: false, reason: `${text} has an invalid prefix length` };
  }
  const prefix = Number(prefixText);
  const network = (address & maskOf(prefix)) >>> 0;
  return { ok: true, cidr: { network, prefix }, canonical: network === address };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

export function sizeOf(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function lastAddress(cidr: Ipv4Cidr): number {
  return cidr.network + sizeOf(cidr) - 1;
}

export function contains(cidr: Ipv4Cidr, address: number): boolean {
  return address >= cidr.network && address <= lastAddress(cidr);
}

/**
 * First and last addresses a host (or a MetalLB pool) may use: the network and broadcast
 * addresses are excluded, except in /31 and /32 where every address is usable (RFC 3021).
 */
export function usableRange(cidr: Ipv4Cidr): { first: number; last: number } {
  if (cidr.prefix >= 31) return { first: cidr.network, last: lastAddress(cidr) };
  return { first: cidr.network + 1, last: lastAddress(cidr) - 1 };
}

/** An inclusive run of addresses, first <= last. */
export interface AddressSpan {
  readonly first: number;
  readonly last: number;
}

/** Every address of the CIDR, network and broadcast included. */
export function spanOf(cidr: Ipv4Cidr): AddressSpan {
  return { first: cidr.network, last: lastAddress(cidr) };
}

/** The addresses two spans share, or undefined when they are disjoint. */
export function overlap(a: AddressSpan, b: AddressSpan): AddressSpan | undefined {
  const first = Math.max(a.first, b.first);
  const last = Math.min(a.last, b.last);
  return first <= last ? { first, last } : undefined;
}

/**
 * The two aligned halves of a canonical CIDR, lower first (10.1.1.192/26 gives .192/27 and
 * .224/27). Whether a /31 should be halved is the caller's policy; a /32 has no halves.
 */
export function halve(cidr: Ipv4Cidr): readonly [lower: Ipv4Cidr, upper: Ipv4Cidr] {
  if (cidr.prefix >= 32) throw new RangeError(`${formatCidr(cidr)} cannot be halved`);
  const prefix = cidr.prefix + 1;
  const lower = { network: cidr.network, prefix };
  return [lower, { network: cidr.network + sizeOf(lower), prefix }];
}
