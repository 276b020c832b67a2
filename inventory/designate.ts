import { UserError } from "../core/errors";
import { byNaturalName } from "../core/order";
import type { HsmGroup } from "../schemas/generated/hsm";

export const K3S_SERVER = "k3s_server";
export const K3S_AGENT = "k3s_agent";

/** Which nodes run the K3s control plane and which join it, and who said so. */
export interface Designation {
  /** xnames, in natural order. */
  readonly servers: readonly string[];
  readonly agents: readonly string[];
  readonly source: "config" | "hsm" | "default";
  /** Designated xnames that SLS does not know as Application_UAN nodes. */
  readonly notUans: readonly string[];
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

export interface ExplicitDesignation {
  readonly servers?: readonly string[];
  readonly agents?: readonly string[];
  /** The file the list came from, for messages. */
  readonly origin: string;
}

export interface DesignationInput {
  /** Every node name (xname or alias) → xname; only looked up. */
  readonly nameToXname: Pick<ReadonlyMap<string, string>, "get">;
  /** xnames of Application_UAN nodes, in natural order. */
  readonly uans: readonly string[];
  readonly groups: readonly HsmGroup[];
  readonly explicit?: ExplicitDesignation;
}

/**
 * The K3s designation: an explicit list in the config file beats the HSM groups
 * k3s_server / k3s_agent, which beat the installer's default (the first UAN by xname is the
 * server, the other UANs are agents). A node in both roles is an error.
 */
export function designateK3s(input: DesignationInput): Designation {
  const explicit = input.explicit;
  if (explicit !== undefined && (explicit.servers?.length || explicit.agents?.length)) {
    const resolve = (names: readonly string[] | undefined, key: string): string[] =>
      (names ?? []).map((name, index) => {
        const xname = input.nameToXname.get(name);
        if (xname === undefined) {
          throw new UserError(
            `${explicit.origin}: /k3s/${key}/${index}: no node named ${JSON.stringify(name)} in SLS`,
            "Use an xname or an alias (Aliases[0]) of a node that SLS knows.",
          );
        }
        return xname;
      });
    return finish(
      resolve(explicit.servers, "servers"),
      resolve(explicit.agents, "agents"),
      "config",
      input,
      [`K3s designation from ${explicit.origin} (HSM groups ${K3S_SERVER}/${K3S_AGENT} ignored)`],
    );
  }
  const members = (label: string): string[] =>
    input.groups.find((group) => group.label === label)?.members?.ids ?? [];
  const servers = members(K3S_SERVER);
  const agents = members(K3S_AGENT);
  if (servers.length > 0 || agents.length > 0) return finish(servers, agents, "hsm", input, []);
  const [first, ...rest] = input.uans;
  const notes =
    first === undefined
      ? [
          `no HSM groups ${K3S_SERVER}/${K3S_AGENT} and no Application_UAN nodes: the K3s groups are empty`,
        ]
      : [
          `no members in HSM groups ${K3S_SERVER}/${K3S_AGENT}: using the installer's default ` +
            `(${first} is the server, the other UANs are agents)`,
        ];
  return finish(first === undefined ? [] : [first], rest, "default", input, notes);
}

function finish(
  serverList: readonly string[],
  agentList: readonly string[],
  source: Designation["source"],
  input: DesignationInput,
  notes: string[],
): Designation {
  const servers = [...new Set(serverList)].sort(byNaturalName);
  const agents = [...new Set(agentList)].sort(byNaturalName);
  const both = servers.filter((xname) => agents.includes(xname));
  if (both.length > 0) {
    const where = source === "config" ? "the config file's k3s lists" : `the ${source} designation`;
    throw new UserError(
      `${both.join(", ")} ${both.length === 1 ? "is" : "are"} both K3s server and agent in ${where}`,
      source === "hsm"
        ? `Remove ${both.length === 1 ? "it" : "them"} from one group, e.g. cray hsm groups members delete --group-label ${K3S_AGENT} ${both[0]}; give both groups exclusiveGroup "k3s" so HSM prevents this.`
        : "List each node under servers or agents, not both.",
    );
  }
  const uans = new Set(input.uans);
  const notUans = [...servers, ...agents].filter((xname) => !uans.has(xname));
  return {
    servers,
    agents,
    source,
    notUans,
    // One server is the seed procedure's own design: worth a note, not a warning on every run.
    notes: serverQuorum(servers.length) === "single" ? [...notes, SINGLE_SERVER_NOTE] : notes,
    warnings: designationWarnings(servers, agents, notUans),
  };
}

/**
 * What etcd's quorum rule says of a count of K3s servers. etcd needs a majority of the servers
 * up, so one server is not highly available, and an even count tolerates no more failures than
 * the odd count below it: only an odd count of three or more is "ha".
 */
export type ServerQuorum = "none" | "single" | "even" | "ha";

export function serverQuorum(servers: number): ServerQuorum {
  if (servers === 0) return "none";
  if (servers % 2 === 0) return "even";
  return servers === 1 ? "single" : "ha";
}

const SINGLE_SERVER_NOTE = `${K3S_SERVER} has 1 node, as the seed procedure sets up: the K3s control plane is not highly available (HA needs 3, 5, ... servers)`;

function designationWarnings(
  servers: readonly string[],
  agents: readonly string[],
  notUans: readonly string[],
): string[] {
  const warnings: string[] = [];
  const count = servers.length;
  const quorum = serverQuorum(count);
  if (quorum === "none" && agents.length > 0) {
    warnings.push(
      `${K3S_SERVER} is empty but ${K3S_AGENT} has ${agents.length} nodes: agents cannot join without a server`,
    );
  } else if (quorum === "even") {
    warnings.push(
      `${K3S_SERVER} has ${count} nodes: an even count tolerates no more failures than ${count - 1} (etcd quorum); use an odd number`,
    );
  }
  if (notUans.length > 0) {
    warnings.push(
      `not Application_UAN nodes in SLS, yet designated for K3s: ${notUans.join(", ")}`,
    );
  }
  return warnings;
}
