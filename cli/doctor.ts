import { resolve } from "node:path";
import { isUserError } from "../core/errors";
import { MemoryLog, type Log } from "../core/log";
import { loadSystem, type SystemData } from "../csm/source";
import { buildInventory, type Inventory } from "../inventory/build";
import { K3S_AGENT, K3S_SERVER } from "../inventory/designate";
import { addressVar } from "../inventory/addresses";
import {
  findSubnet,
  isUserNetwork,
  k3sSubnetFullName,
  systemDefaultRoute,
} from "../inventory/networks";
import type { RoleModel } from "../generator/model";
import { loadConfig, type LoadedConfig } from "./config";
import { resolveSourceSettings, type SourceSettings } from "./settings";
import { openSources } from "./sources";

export type Status = "pass" | "warn" | "fail" | "skip";

/** One line of the checklist: what was checked, how it went, and what to do about it. */
export interface Check {
  readonly id: string;
  readonly title: string;
  readonly status: Status;
  readonly detail: string;
  readonly fix?: string;
}

export interface DoctorOptions {
  /** A generated tree to check is up to date (gen-roles --check). */
  readonly out?: string;
  readonly subuid?: string;
  readonly subgid?: string;
  readonly passwd?: string;
  /** @default "text" */
  readonly format: "text" | "json";
}

const pass = (id: string, title: string, detail: string): Check => ({
  id,
  title,
  status: "pass",
  detail,
});
const warn = (id: string, title: string, detail: string, fix: string): Check => ({
  id,
  title,
  status: "warn",
  detail,
  fix,
});
const fail = (id: string, title: string, detail: string, fix?: string): Check => ({
  id,
  title,
  status: "fail",
  detail,
  fix,
});
const skip = (id: string, title: string, why: string): Check => ({
  id,
  title,
  status: "skip",
  detail: why,
});

/** The message of a UserError, the hint as its fix; anything else is a bug and is rethrown. */
function failure(id: string, title: string, error: unknown): Check {
  if (!isUserError(error)) throw error;
  return fail(id, title, error.message, error.hint);
}

/**
 * `uan-k3s doctor`: every prerequisite the tool can see, in the order an admin meets them.
 * A check that depends on one that failed is skipped, not failed again. Returns the checks;
 * the CLI prints them and exits 1 if any failed.
 */
export async function runDoctor(
  options: DoctorOptions,
  flags: Readonly<Record<string, string | boolean | undefined>>,
  env: NodeJS.ProcessEnv,
): Promise<Check[]> {
  const checks: Check[] = [];
  const quiet = new MemoryLog();

  let config: LoadedConfig | undefined;
  try {
    config = loadConfig((flags.config as string | undefined) ?? (env.UAN_K3S_CONFIG || undefined));
    checks.push(
      pass(
        "config",
        "The config file validates",
        config === undefined ? "no config file: every default applies" : config.path,
      ),
    );
  } catch (error) {
    checks.push(failure("config", "The config file validates", error));
  }
  const settings = resolveSourceSettings(flags, env, config);

  const system = await loadData(settings, quiet, checks);
  const inventory =
    system === undefined ? undefined : designation(system, settings, config, checks);
  checkNetwork(system, inventory, checks);
  if (system !== undefined && inventory !== undefined) checkK3sGroups(system, inventory, checks);
  checkRoles(config, inventory, options.out, checks);
  checkSubid(options, checks);
  return checks;
}

async function loadData(
  settings: SourceSettings,
  log: Log,
  checks: Check[],
): Promise<SystemData | undefined> {
  const { sls, hsm } = openSources(settings, log);
  try {
    const system = await loadSystem(sls, hsm);
    checks.push(
      pass(
        "sources",
        "SLS and HSM are readable",
        `${system.sls.networks.size} networks and ${system.sls.nodes.length} nodes from ${sls.origin}; ${system.groups.length} HSM groups from ${hsm.origin}`,
      ),
    );
    return system;
  } catch (error) {
    checks.push(failure("sources", "SLS and HSM are readable", error));
    return undefined;
  }
}

function designation(
  system: SystemData,
  settings: SourceSettings,
  config: LoadedConfig | undefined,
  checks: Check[],
): Inventory | undefined {
  try {
    const k3s = config?.data.k3s;
    return buildInventory(system, {
      hostnames: settings.hostnames,
      k3s: k3s === undefined || config === undefined ? undefined : { ...k3s, origin: config.path },
    });
  } catch (error) {
    checks.push(failure("designation", "The K3s designation is consistent", error));
    return undefined;
  }
}

function checkNetwork(
  system: SystemData | undefined,
  inventory: Inventory | undefined,
  checks: Check[],
): void {
  const title = "The user network is known (BICAN)";
  const subnetTitle = "The K3s subnet exists, or a split is possible and safe";
  if (system === undefined) {
    checks.push(
      skip("network", title, "SLS could not be read"),
      skip("k3s-subnet", subnetTitle, "SLS could not be read"),
    );
    return;
  }
  const route = systemDefaultRoute(system.sls.networks);
  if (isUserNetwork(route)) checks.push(pass("network", title, `BICAN routes users over ${route}`));
  else if (route === undefined) {
    checks.push(
      warn(
        "network",
        title,
        "SLS has no BICAN network (pre-CSM 1.2)",
        "Pass --network CAN (or CHN) to uan-k3s split.",
      ),
    );
  } else {
    checks.push(
      fail(
        "network",
        title,
        `BICAN's SystemDefaultRoute is ${route}; the K3s ingress needs CAN or CHN`,
        "Pass --network CAN or CHN to uan-k3s split.",
      ),
    );
  }
  const net = isUserNetwork(route) ? route : "CAN";
  const network = system.sls.networks.get(net);
  const k3s = network && findSubnet(network, k3sSubnetFullName(net));
  if (k3s !== undefined) {
    const start = inventory?.vars.metallb_ipaddresspool_range_start;
    const end = inventory?.vars.metallb_ipaddresspool_range_end;
    checks.push(
      pass(
        "k3s-subnet",
        subnetTitle,
        `${k3s.FullName} ${k3s.CIDR}${start === undefined ? "" : ` (MetalLB ${start} - ${end})`}`,
      ),
    );
    return;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const split = require("../split") as typeof import("../split");
    const plan = split.planSplit(system.sls.networks, isUserNetwork(route) ? {} : { network: net });
    const { conflicts } = split.findConflicts(plan);
    if (conflicts.length > 0) {
      checks.push(
        fail(
          "k3s-subnet",
          subnetTitle,
          `not split yet, and ${conflicts.length} address(es) in ${plan.k3s.CIDR} are in use: ${conflicts[0]?.message ?? ""}`,
          "Run uan-k3s split to see every conflict.",
        ),
      );
    } else {
      checks.push(
        warn(
          "k3s-subnet",
          subnetTitle,
          `not split yet; SLS has nothing in ${plan.k3s.CIDR}, so the split is possible (Kubernetes not checked here)`,
          "Run uan-k3s split --kubectl, then --apply --yes.",
        ),
      );
    }
  } catch (error) {
    checks.push(failure("k3s-subnet", subnetTitle, error));
  }
}

function checkK3sGroups(system: SystemData, inventory: Inventory, checks: Check[]): void {
  const server = system.groups.find((group) => group.label === K3S_SERVER);
  const agent = system.groups.find((group) => group.label === K3S_AGENT);
  if (server !== undefined && agent !== undefined) {
    checks.push(
      pass(
        "k3s-groups",
        "The HSM groups k3s_server and k3s_agent exist",
        `designation from ${inventory.k3s.source}`,
      ),
    );
  } else {
    checks.push(
      warn(
        "k3s-groups",
        "The HSM groups k3s_server and k3s_agent exist",
        `missing: ${[server ? "" : K3S_SERVER, agent ? "" : K3S_AGENT].filter(Boolean).join(", ")}; designation from ${inventory.k3s.source}`,
        `Create them: cray hsm groups create --label ${K3S_SERVER} --exclusive-group k3s (and ${K3S_AGENT}), then add members.`,
      ),
    );
  }
  const exclusive =
    server?.exclusiveGroup !== undefined &&
    server.exclusiveGroup !== "" &&
    server.exclusiveGroup === agent?.exclusiveGroup;
  checks.push(
    exclusive
      ? pass(
          "k3s-exclusive",
          "The K3s groups are exclusive",
          `exclusiveGroup ${server.exclusiveGroup}`,
        )
      : warn(
          "k3s-exclusive",
          "The K3s groups are exclusive",
          "k3s_server and k3s_agent do not share an exclusiveGroup, so HSM lets a node be in both",
          "Recreate both groups with --exclusive-group k3s.",
        ),
  );
  const count = inventory.k3s.servers.length;
  const quorum = "K3s servers: an odd count of 3 or more (etcd quorum)";
  if (count === 0)
    checks.push(fail("k3s-quorum", quorum, "no K3s server", "Add a UAN to k3s_server."));
  else if (count >= 3 && count % 2 === 1)
    checks.push(pass("k3s-quorum", quorum, `${count} servers`));
  else {
    checks.push(
      warn(
        "k3s-quorum",
        quorum,
        count === 1
          ? "1 server: K3s works, but the control plane is not highly available"
          : `${count} servers: an even count tolerates no more failures than ${count - 1}`,
        "Use 3 (or 5) servers for HA.",
      ),
    );
  }
  const k3sHosts = [
    ...(inventory.groups.get(K3S_SERVER) ?? []),
    ...(inventory.groups.get(K3S_AGENT) ?? []),
  ];
  const strangers = inventory.k3s.notUans.map((xname) => inventory.hostByName.get(xname) ?? xname);
  checks.push(
    strangers.length === 0
      ? pass("k3s-uans", "The K3s groups contain only UANs", `${k3sHosts.length} nodes`)
      : fail(
          "k3s-uans",
          "The K3s groups contain only UANs",
          `not Application_UAN nodes: ${strangers.join(", ")}`,
          "Remove them from k3s_server / k3s_agent.",
        ),
  );
  const net = inventory.vars.sls_user_network;
  const addressTitle = "Every K3s node has an address on the user network";
  if (net === undefined) {
    checks.push(skip("k3s-addresses", addressTitle, "the user network is not known"));
    return;
  }
  const variable = addressVar(net);
  const missing = k3sHosts.filter((host) => inventory.hostvars.get(host)?.[variable] === undefined);
  checks.push(
    missing.length === 0
      ? pass("k3s-addresses", addressTitle, `each has ${variable}`)
      : fail(
          "k3s-addresses",
          addressTitle,
          `no ${net} reservation for: ${missing.join(", ")}`,
          `Add an IPReservation in SLS ${net} bootstrap_dhcp (Name = the alias, Comment = the xname).`,
        ),
  );
}

function checkRoles(
  config: LoadedConfig | undefined,
  inventory: Inventory | undefined,
  out: string | undefined,
  checks: Check[],
): void {
  const title =
    "The sshd instances have unique ports, none of them 22, and the roles can be generated";
  const treeTitle = "The generated tree is up to date";
  if (inventory === undefined) {
    checks.push(skip("roles", title, "no inventory"));
    if (out !== undefined) checks.push(skip("tree", treeTitle, "no inventory"));
    return;
  }
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { buildRoleModel } = require("../generator/model") as typeof import("../generator/model");
  const { renderRoles } = require("../generator/render") as typeof import("../generator/render");
  const { planWrite, describeWritePlan: describePlan } =
    require("../generator/write") as typeof import("../generator/write");
  /* eslint-enable @typescript-eslint/no-require-imports */
  let model: RoleModel;
  try {
    model = buildRoleModel(config?.data ?? {}, inventory, config?.path ?? "(defaults)");
    const ports = model.sshd.map((sshd) => `${sshd.name}:${sshd.port}`).join(", ");
    checks.push(
      model.warnings.length === 0
        ? pass("roles", title, `sshd ${ports}`)
        : warn(
            "roles",
            title,
            `sshd ${ports}; ${model.warnings.join("; ")}`,
            "See the warnings; set the values in uan-k3s.yaml.",
          ),
    );
  } catch (error) {
    checks.push(failure("roles", title, error));
    if (out !== undefined) checks.push(skip("tree", treeTitle, "the roles cannot be generated"));
    return;
  }
  if (out !== undefined) {
    const plan = planWrite(resolve(out), renderRoles(model));
    checks.push(
      plan.changed
        ? fail(
            "tree",
            treeTitle,
            `${resolve(out)} would change:\n${describePlan(plan).trimEnd()}`,
            `Run uan-k3s gen-roles --out ${out}.`,
          )
        : pass("tree", treeTitle, resolve(out)),
    );
  }
}

function checkSubid(options: DoctorOptions, checks: Check[]): void {
  if (options.subuid === undefined && options.subgid === undefined) return;
  const title = "subuid and subgid pass uan-k3s subid --check";
  if (options.subuid === undefined || options.subgid === undefined) {
    checks.push(fail("subid", title, "give both --subuid and --subgid"));
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const subid = require("../subid") as typeof import("../subid");
  try {
    const result = subid.checkSubid({
      existingSubuid: options.subuid,
      existingSubgid: options.subgid,
      passwd: options.passwd,
    });
    checks.push(
      result.ok
        ? result.findings.length === 0
          ? pass("subid", title, `${options.subuid}, ${options.subgid}`)
          : warn("subid", title, subid.formatCheck(result).trimEnd(), "See uan-k3s subid --check.")
        : fail(
            "subid",
            title,
            subid.formatCheck(result).trimEnd(),
            "Fix the files, or regenerate them with uan-k3s subid.",
          ),
    );
  } catch (error) {
    checks.push(failure("subid", title, error));
  }
}

const MARK: Record<Status, string> = { pass: "PASS", warn: "WARN", fail: "FAIL", skip: "SKIP" };

/** The checklist for a terminal, with a count line at the end. */
export function renderChecklist(checks: readonly Check[]): string {
  const lines = ["uan-k3s doctor"];
  for (const check of checks) {
    lines.push(`  ${MARK[check.status]}  ${check.title}`);
    for (const line of check.detail.split("\n")) lines.push(`        ${line}`);
    if (check.fix !== undefined && check.status !== "pass") lines.push(`        fix: ${check.fix}`);
  }
  const count = (status: Status): number =>
    checks.filter((check) => check.status === status).length;
  lines.push(
    `${count("pass")} pass, ${count("warn")} warn, ${count("fail")} fail, ${count("skip")} skipped`,
  );
  return `${lines.join("\n")}\n`;
}
