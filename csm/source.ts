import { UserError } from "../core/errors";
import type { HsmGroup } from "../schemas/generated/hsm";
import type { SlsHardware, SlsNetwork } from "../schemas/generated/sls";

/** What uan-k3s reads from SLS: every network by exact (case-sensitive) name, and the nodes. */
export interface SlsData {
  readonly networks: ReadonlyMap<string, SlsNetwork>;
  /** Hardware entries of type comptype_node, in no particular order. */
  readonly nodes: readonly SlsHardware[];
  /** Contradictions found while reading, e.g. a dump's Hardware key that is not its Xname. */
  readonly warnings?: readonly string[];
}

/** The seam to SLS: a dumpstate file or the CSM API. Everything above it is pure. */
export interface SlsSource {
  /** Where the data comes from (a path or a URL), for messages. */
  readonly origin: string;
  load(): Promise<SlsData>;
}

/** The seam to HSM groups: a file, the CSM API, or nothing at all. */
export interface HsmSource {
  readonly origin: string;
  groups(): Promise<HsmGroup[]>;
}

export interface SystemData {
  readonly sls: SlsData;
  readonly groups: readonly HsmGroup[];
}

export const NODE_TYPE = "comptype_node";

/** Reads both services at once; they are independent. */
export async function loadSystem(sls: SlsSource, hsm: HsmSource): Promise<SystemData> {
  const [slsData, groups] = await Promise.all([sls.load(), hsm.groups()]);
  return { sls: slsData, groups };
}

/**
 * An SLS without a single network: the real server answers GET /networks with `null` then
 * (not `[]`). Nothing uan-k3s does works without them, and "/ must be array" would not say why.
 */
export function noNetworks(origin: string, what: string, hint: string): UserError {
  return new UserError(`SLS holds no networks: ${origin} ${what}.`, hint);
}
