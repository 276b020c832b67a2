import type { UserError } from "../../core/errors";
import { buildLayer, type JsonObject } from "../../cfs";
import { userErrorFrom } from "../split/helpers";

/** The UserError `promise` rejects with. */
export async function rejected(promise: Promise<unknown>): Promise<UserError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  return userErrorFrom(() => {
    throw outcome;
  });
}

export const SHA = "0123456789abcdef0123456789abcdef01234567";
export const OLD_SHA = "89abcdef0123456789abcdef0123456789abcdef";
export const CSM_SHA = "1111111111111111111111111111111111111111";
export const UAN_SHA = "2222222222222222222222222222222222222222";
export const COS_SHA = "3333333333333333333333333333333333333333";
export const INVENTORY_SHA = "4444444444444444444444444444444444444444";

const GW = "https://api-gw-service-nmn.local/vcs/cray";

/** Where cfs-layer's K3s layer clones from by default. */
export const UAN_CLONE_URL = `${GW}/uan-config-management.git`;

/** Another product's layer, which ensuring the K3s layer must keep as it is. */
export const COS_LAYER = {
  name: "cos",
  clone_url: `${GW}/cos-config-management.git`,
  playbook: "site.yml",
  commit: "a".repeat(40),
} as const;

/** The K3s layer at SHA with every default. */
export const k3sLayer = () => buildLayer({ revision: { commit: SHA } });

/**
 * A configuration as `cray cfs v3 configurations describe uan-config-2.6.0 --format json`
 * prints it: read-only fields, an older K3s layer reached through another host name and
 * without .git, and a COS layer that CFS stored with both its branch and resolved commit.
 */
export function describedV3(): JsonObject {
  return {
    description: "UAN nodes, CSM 1.6",
    last_updated: "2025-04-17T12:10:43Z",
    layers: [
      {
        name: "csm-1.6",
        clone_url: `${GW}/csm-config-management.git`,
        playbook: "site.yml",
        commit: CSM_SHA,
      },
      {
        name: "uan-k3s-89abcde",
        clone_url: "https://vcs.cmn.example.com/vcs/cray/uan-config-management",
        playbook: "k3s.yml",
        commit: OLD_SHA,
      },
      {
        name: "uan-2.6.0",
        clone_url: `${GW}/uan-config-management.git`,
        playbook: "site.yml",
        commit: UAN_SHA,
        special_parameters: { ims_require_dkms: true },
      },
      {
        name: "cos-integration",
        clone_url: `${GW}/cos-config-management.git`,
        playbook: "site.yml",
        branch: "integration",
        commit: COS_SHA,
      },
    ],
    additional_inventory: {
      name: "inventory",
      clone_url: `${GW}/inventory.git`,
      commit: INVENTORY_SHA,
    },
    name: "uan-config-2.6.0",
  };
}

/** The same configuration as CFS v2 shows it. */
export function describedV2(): JsonObject {
  return {
    description: "UAN nodes, CSM 1.6",
    lastUpdated: "2025-04-17T12:10:43Z",
    layers: [
      {
        name: "csm-1.6",
        cloneUrl: `${GW}/csm-config-management.git`,
        playbook: "site.yml",
        commit: CSM_SHA,
      },
      {
        name: "uan-2.6.0",
        cloneUrl: `${GW}/uan-config-management.git`,
        playbook: "site.yml",
        commit: UAN_SHA,
        specialParameters: { imsRequireDkms: true },
      },
    ],
    additional_inventory: { cloneUrl: `${GW}/inventory.git`, commit: INVENTORY_SHA },
    name: "uan-config-2.6.0",
  };
}
