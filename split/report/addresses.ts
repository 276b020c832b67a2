import { parseCidr, parseIpv4, spanOf, type AddressSpan } from "../../core/ipv4";

/**
 * The addresses an address map of the network covers: the network's CIDR, or when SLS has
 * none that parses, the span of its subnets' CIDRs.
 */
export function networkSpan(
  networkCidr: string | null | undefined,
  subnetCidrs: readonly string[],
): AddressSpan | undefined {
  const own =
    networkCidr === null || networkCidr === undefined ? undefined : parseCidr(networkCidr);
  if (own?.ok === true) return spanOf(own.cidr);
  const spans = subnetCidrs
    .map((cidr) => parseCidr(cidr))
    .flatMap((parsed) => (parsed.ok ? [spanOf(parsed.cidr)] : []));
  if (spans.length === 0) return undefined;
  return {
    first: Math.min(...spans.map((span) => span.first)),
    last: Math.max(...spans.map((span) => span.last)),
  };
}

/** An address as a number for sorting and drawing; undefined when it is not IPv4 text. */
export function addressValue(text: string | null): number | undefined {
  return text === null ? undefined : parseIpv4(text.trim());
}
