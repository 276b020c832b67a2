/** The CFS API generation whose field spelling a configuration uses. */
export type CfsApiVersion = "v2" | "v3";

/** Every default of `uan-k3s cfs-layer`, shared by the CLI and the library. */
export const CFS_LAYER_DEFAULTS = {
  /** UAN configuration content in VCS, as CFS clones it through the gateway. */
  cloneUrl: "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
  /** The playbook at the repository root that sets up K3s. */
  playbook: "k3s.yml",
  apiVersion: "v3" as CfsApiVersion,
  /** The layer's default name is this prefix and the commit's first 7 hex digits. */
  namePrefix: "uan-k3s-",
  /** How long one git command may take before it is stopped. */
  gitTimeoutMs: 60_000,
} as const;

/** CFS refuses longer layer names (V3ConfigurationLayer.name). */
export const MAX_LAYER_NAME = 45;

/** The v3 configuration_id path parameter's maxLength; v2 has none. */
export const MAX_CONFIGURATION_NAME = 60;

/** A full commit SHA as CFS accepts it: lower-case only. */
export const COMMIT_PATTERN = /^[0-9a-f]{40}$/;
