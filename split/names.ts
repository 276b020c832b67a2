import { UserError } from "../core/errors";

/**
 * The names the split writes into SLS, held to the shapes CSM itself gives them. SLS stores any
 * string it is sent, and these names travel on: into CSM's MetalLB pools, into the UAN
 * playbook's `sls_can_metallb_fullname`, into reports and shell commands. So a name that CSM
 * would never make is refused rather than written.
 *
 * The shapes, from the subnets CSM's installer (cray-site-init) writes and hms-sls's own test
 * data (Cray-HPE/hms-sls test/ct/data/networks/CAN.json, CHN.json, CMN.json):
 * - Name: lower-case snake case, `bootstrap_dhcp`, `can_metallb_address_pool`, `network_hardware`.
 * - MetalLBPoolName: `customer-access`, `customer-high-speed`, `customer-management-static`.
 *   CSM makes each one a MetalLB pool (an entry of ConfigMap `metallb`, or an `IPAddressPool`
 *   object on CSM 1.7), so it must also be a Kubernetes object name: an RFC 1123 label.
 * - FullName: words of letters and digits separated by single spaces, `CAN Dynamic MetalLB`,
 *   `CMN Management Network Infrastructure`, `CAN Bootstrap DHCP Subnet`.
 */
export const SUBNET_NAME_RULES = {
  k3sName: {
    flag: "--k3s-name",
    field: "Name",
    pattern: /^[a-z][a-z0-9_]{0,62}$/,
    shape:
      "lower-case letters, digits and underscores, starting with a letter, at most 63 characters (like can_metallb_address_pool)",
  },
  k3sPoolName: {
    flag: "--k3s-pool-name",
    field: "MetalLBPoolName",
    pattern: /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/,
    shape:
      "lower-case letters, digits and inner hyphens, at most 63 characters, a Kubernetes object name (like customer-access-k3s)",
  },
  k3sFullName: {
    flag: "--k3s-full-name",
    field: "FullName",
    pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*(?: [A-Za-z0-9_.-]+)*$/,
    shape:
      "words of letters, digits, '.', '_' and '-' separated by single spaces, at most 128 characters (like CAN Dynamic MetalLB K3s)",
    maxLength: 128,
  },
} as const;

export type CheckedName = keyof typeof SUBNET_NAME_RULES;

/** Throws a UserError naming the flag, the SLS field and the shape when `value` is not one. */
export function checkSubnetName(key: CheckedName, value: string): void {
  const rule = SUBNET_NAME_RULES[key];
  const tooLong = "maxLength" in rule && value.length > rule.maxLength;
  if (rule.pattern.test(value) && !tooLong) return;
  throw new UserError(
    `${rule.flag} ${JSON.stringify(value)} is not a subnet ${rule.field} CSM would make: it must be ${rule.shape}.`,
    `Pass a ${rule.field} of that shape, or leave ${rule.flag} out for the default.`,
  );
}
