import { UserError } from "../core/errors";
import { parseIpv4 } from "../core/ipv4";
import { sortNatural } from "../core/order";
import type { Inventory } from "../inventory/build";
import { K3S_AGENT, K3S_SERVER } from "../inventory/designate";
import { CSM_POOL_NAMES } from "../split/plan";
import { isUserNetwork } from "../inventory/networks";
import type {
  HaproxyBackend,
  HaproxyCheck,
  HaproxyInstance,
  PodmanContainer,
  SshdInstance,
  UanK3SConfig,
} from "../schemas/generated/config";
import { parseHelmArgs, type HelmValues } from "./helm-args";
import { resolveSeedVariables } from "./seed-forms";
import { expectProblem, sshdPortProblem, timerProblem } from "./checks";
import {
  DEFAULT_HAPROXY,
  DEFAULT_SSHD,
  EXAMPLE_IMAGE,
  HAPROXY_DEFAULTS,
  PODMAN_DEFAULTS,
  HAPROXY_IMAGE_PATH,
  ROLE_DEFAULTS,
  SSHD_DEFAULTS,
} from "./defaults";

/**
 * One item of `uan_haproxy` in vars/uan_helm.yml, written as it is: the keys are the Ansible
 * variables the uan_haproxy role reads, snake_case on purpose (the vars contract).
 */
export interface ResolvedHaproxy {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly chart_path: string;
  /** The chart's workload: DaemonSet or Deployment. */
  readonly kind: string;
  readonly service_type: string;
  readonly port: number;
  readonly balance: string;
  readonly maxconn: number;
  readonly check: Required<HaproxyCheck> | false;
  readonly timeouts: { readonly connect: string; readonly client: string; readonly server: string };
  readonly backends: readonly Required<HaproxyBackend>[];
  /** Helm values from `args` (--set), merged over the generated ones. */
  readonly values?: HelmValues;
  /** Flags from `args` that go to helm as they are (--atomic, --debug, --force). */
  readonly helm_args?: readonly string[];
  /** helm --timeout from `args`, instead of helm_timeout. */
  readonly timeout?: string;
  /** A complete haproxy.cfg that replaces the generated one. */
  readonly config?: string;
}

/**
 * One item of `uan_sshd_configs` in vars/uan_sshd.yml, written as it is: the keys are the
 * Ansible variables the uan_sshd role reads, snake_case on purpose (the vars contract).
 */
export interface ResolvedSshd {
  readonly name: string;
  readonly config_path: string;
  readonly port: number;
  readonly match: string;
  readonly permit_root_login?: string;
  readonly x11_forwarding?: boolean;
  readonly podman?: Required<PodmanContainer>;
  readonly config?: string;
}

/**
 * Everything the roles and vars files need, with every default applied and checked. The
 * snake_case keys are the config file's (uan-k3s.yaml spells them as Ansible does) and
 * `release` holds Ansible variables by their names; vars.ts maps the rest to variable names.
 */
export interface RoleModel {
  readonly release: {
    readonly [K in keyof typeof ROLE_DEFAULTS.release | "haproxy_image"]: string;
  };
  readonly k3s: {
    readonly install_path: string;
    readonly kubeconfig: string;
    readonly installer: string;
    readonly binary: string;
    readonly airgap_images: string;
    readonly install_options: readonly string[];
    readonly flannel_iface: string;
    readonly api_port: number;
    readonly stage_without_image: boolean;
  };
  readonly helm: {
    readonly binary: string;
    readonly install_path: string;
    readonly timeout: string;
  };
  readonly metallb: {
    readonly release: string;
    readonly namespace: string;
    readonly chart: string;
    readonly chart_path: string;
    readonly pool_name: string;
    readonly l2advertisement_name: string;
    readonly api_version: string;
    readonly range?: { readonly start: string; readonly end: string };
    /** Where the range came from: the config file, the SLS K3s subnet, or nowhere. */
    readonly rangeSource: "config" | "sls" | "none";
  };
  readonly haproxy: readonly ResolvedHaproxy[];
  readonly sshd: readonly ResolvedSshd[];
  readonly podman: {
    readonly storage_dir: string;
    readonly subuid_url?: string;
    readonly subgid_url?: string;
  };
  readonly warnings: readonly string[];
}

/**
 * The config file plus the inventory (K3s nodes, the SLS MetalLB range) → the role model.
 * `origin` names the config file in messages. Pure: neither input is changed.
 */
export function buildRoleModel(
  config: UanK3SConfig,
  inventory: Inventory,
  origin: string,
): RoleModel {
  const warnings: string[] = [];
  const registry =
    config.release?.third_party_registry ?? ROLE_DEFAULTS.release.third_party_registry;
  const release = {
    ...ROLE_DEFAULTS.release,
    haproxy_image: `${registry}/${HAPROXY_IMAGE_PATH}`,
    ...config.release,
  };
  const k3s = { ...ROLE_DEFAULTS.k3s, ...withoutDesignation(config.k3s) };
  const helm = { ...ROLE_DEFAULTS.helm, ...config.helm };
  const chartPath = (chart: string): string => `${helm.install_path}/charts/${chart}.tgz`;

  const sshdList = seedOrOwn(
    { key: "sshd", items: config.sshd },
    { key: "uan_sshd_configs", items: config.uan_sshd_configs },
    origin,
  );
  const sshd = resolveSshd(
    sshdList?.items ?? DEFAULT_SSHD,
    sshdList?.key ?? "sshd",
    k3s.api_port,
    origin,
  );
  for (const instance of sshd) {
    if (instance.podman?.image === EXAMPLE_IMAGE) {
      warnings.push(
        `sshd instance ${instance.name} uses the seed's example image ${EXAMPLE_IMAGE}; set sshd[].podman.image to an image your users should get`,
      );
    }
  }

  const nodes = k3sNodes(inventory);
  const haproxyList = seedOrOwn(
    { key: "haproxy", items: config.haproxy },
    { key: "uan_haproxy", items: config.uan_haproxy },
    origin,
  );
  const seedVariables = {
    haproxy_chart: release.haproxy_chart,
    metallb_chart: release.metallb_chart,
    helm_install_path: helm.install_path,
  };
  const haproxy = (haproxyList?.items ?? DEFAULT_HAPROXY).map((instance, index) =>
    resolveHaproxy(instance, {
      where: `${origin}: /${haproxyList?.key ?? "haproxy"}/${index}`,
      sshd,
      nodes,
      variables: seedVariables,
      chartPath,
      defaultChart: release.haproxy_chart,
    }),
  );
  rejectDuplicates(
    haproxy.map((h) => h.name),
    (name) => `${origin}: /haproxy: two HAProxy instances are named ${JSON.stringify(name)}`,
  );

  return {
    release,
    k3s,
    helm,
    metallb: {
      release: config.metallb?.release ?? ROLE_DEFAULTS.metallb.release,
      namespace: config.metallb?.namespace ?? ROLE_DEFAULTS.metallb.namespace,
      chart: release.metallb_chart,
      chart_path: chartPath(release.metallb_chart),
      ...metallbNames(config, inventory, warnings),
      ...metallbRange(config, inventory, origin, warnings),
    },
    haproxy,
    sshd,
    podman: { ...ROLE_DEFAULTS.podman, ...config.podman },
    warnings,
  };
}

function withoutDesignation(
  k3s: UanK3SConfig["k3s"],
): Omit<NonNullable<UanK3SConfig["k3s"]>, "servers" | "agents"> {
  const { servers, agents, ...rest } = k3s ?? {};
  return rest;
}

/** A name HAProxy and DNS accept: nothing that could end a directive or start another. */
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/**
 * The K3s nodes by host name, as HAProxy reaches them (hostname: the SLS alias, else the
 * xname). SLS data is not ours to trust: a name that is not a plain host name is refused.
 */
function k3sNodes(inventory: Inventory): string[] {
  const hosts = [
    ...(inventory.groups.get(K3S_SERVER) ?? []),
    ...(inventory.groups.get(K3S_AGENT) ?? []),
  ];
  const names = hosts.map((host) => {
    const name = String(inventory.hostvars.get(host)?.hostname ?? host);
    if (!HOST_NAME.test(name)) {
      throw new UserError(
        `K3s node ${host}: its SLS host name ${JSON.stringify(name)} is not a valid host name`,
        "Fix the node's Aliases in SLS, or list haproxy[].backends in the config.",
      );
    }
    return name;
  });
  return sortNatural([...new Set(names)], (name) => name);
}

function resolveSshd(
  instances: readonly SshdInstance[],
  key: string,
  apiPort: number,
  origin: string,
): ResolvedSshd[] {
  const resolved = instances.map((instance, index): ResolvedSshd => {
    const port = portNumber(instance.port, `${origin}: /${key}/${index}/port`);
    const taken = sshdPortProblem(port, apiPort);
    if (taken !== undefined) {
      throw new UserError(
        `${origin}: /${key}/${index}/port: ${taken}`,
        "Give the sshd instance a free port (the seed uses 9000).",
      );
    }
    const base: ResolvedSshd = {
      name: instance.name,
      config_path: instance.config_path ?? SSHD_DEFAULTS.config_path,
      port,
      match: instance.match ?? SSHD_DEFAULTS.match,
      ...(instance.permit_root_login === undefined
        ? {}
        : { permit_root_login: yesNo(instance.permit_root_login) }),
      ...(instance.x11_forwarding === undefined ? {} : { x11_forwarding: instance.x11_forwarding }),
    };
    // The image first: it is what an admin looks for in vars/uan_sshd.yml.
    const podman = instance.podman
      ? { image: instance.podman.image, ...PODMAN_DEFAULTS, ...withoutImage(instance.podman) }
      : undefined;
    return {
      ...base,
      ...(podman === undefined ? {} : { podman }),
      ...(instance.config === undefined ? {} : { config: instance.config }),
    };
  });
  rejectDuplicates(
    resolved.map((s) => s.name),
    (name) => `${origin}: /${key}: two sshd instances are named ${JSON.stringify(name)}`,
  );
  rejectDuplicates(
    resolved.map((s) => String(s.port)),
    (port) => `${origin}: /${key}: two sshd instances listen on port ${port}`,
  );
  return resolved;
}

function withoutImage(podman: PodmanContainer): Omit<PodmanContainer, "image"> {
  const { image, ...rest } = podman;
  return rest;
}

function rejectDuplicates(
  values: readonly string[],
  message: (value: string) => string,
  hint = "Each instance needs its own name and port.",
): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new UserError(message(value), hint);
    seen.add(value);
  }
}

/** The values that go into the generated haproxy.cfg, as HAProxy will parse them. */
function checkHaproxyValues(haproxy: ResolvedHaproxy, where: string): void {
  const { timeouts, check } = haproxy;
  const values: (readonly [key: string, value: string, problem: string | undefined])[] = [
    ...(["connect", "client", "server"] as const).map(
      (key): [string, string, string | undefined] => [
        `timeouts/${key}`,
        timeouts[key],
        timerProblem(timeouts[key], true),
      ],
    ),
    ...(check === false
      ? []
      : ([
          ["check/expect", check.expect, expectProblem(check.expect)],
          ["check/inter", check.inter, timerProblem(check.inter, false)],
        ] as const)),
  ];
  for (const [key, value, problem] of values) {
    if (problem === undefined) continue;
    throw new UserError(
      `${where}/${key}: ${JSON.stringify(value)} ${problem}`,
      "HAProxy would refuse its config on the node with this value: change it in the config file.",
    );
  }
}

/**
 * The one line gen-roles prints on where HAProxy's external address comes from, so the admin
 * sees the range without opening vars/uan_helm.yml; undefined without a range (that warns).
 */
export function describeMetallbRange(
  metallb: Pick<RoleModel["metallb"], "range" | "rangeSource">,
  inventory: Inventory,
): string | undefined {
  const { range, rangeSource } = metallb;
  if (range === undefined) return undefined;
  const from =
    rangeSource === "config"
      ? "metallb.range in the config file"
      : `the K3s subnet of ${inventory.vars.sls_user_network ?? "the user network"} in SLS`;
  return `MetalLB range for HAProxy's external IP: ${range.start}-${range.end}, from ${from}`;
}

/** The MetalLB pool: the config file's explicit range beats the SLS K3s subnet. */
function metallbRange(
  config: UanK3SConfig,
  inventory: Inventory,
  origin: string,
  warnings: string[],
): Pick<RoleModel["metallb"], "range" | "rangeSource"> {
  const start = inventory.vars.metallb_ipaddresspool_range_start;
  const end = inventory.vars.metallb_ipaddresspool_range_end;
  const fromSls = start !== undefined && end !== undefined ? { start, end } : undefined;
  const explicit = explicitRange(config, origin);
  if (explicit !== undefined) {
    if ((parseIpv4(explicit.start) as number) > (parseIpv4(explicit.end) as number)) {
      throw new UserError(
        `${origin}: ${explicit.path}: start ${explicit.start} is after end ${explicit.end}`,
      );
    }
    if (
      fromSls !== undefined &&
      (fromSls.start !== explicit.start || fromSls.end !== explicit.end)
    ) {
      warnings.push(
        `metallb.range ${explicit.start}-${explicit.end} differs from the SLS K3s subnet's ${fromSls.start}-${fromSls.end}; using metallb.range`,
      );
    }
    return { range: { start: explicit.start, end: explicit.end }, rangeSource: "config" };
  }
  if (fromSls !== undefined) return { range: fromSls, rangeSource: "sls" };
  warnings.push(
    "no MetalLB range: SLS has no K3s subnet and metallb.range is not set, so HAProxy gets no external IP (run uan-k3s split, or set metallb.range)",
  );
  return { rangeSource: "none" };
}

/**
 * A list the config may give under our key or under the seed's variable name (pasted from
 * vars/uan_helm.yml or vars/uan_sshd.yml), with the key it came from for messages.
 */
function seedOrOwn<T>(
  own: { readonly key: string; readonly items: readonly T[] | undefined },
  seed: { readonly key: string; readonly items: readonly T[] | undefined },
  origin: string,
): { readonly key: string; readonly items: readonly T[] } | undefined {
  if (own.items !== undefined && seed.items !== undefined) {
    throw new UserError(
      `${origin}: /${seed.key}: ${own.key} is given too; they are the same list`,
      `Keep one of ${own.key} and ${seed.key} (the seed's name).`,
    );
  }
  if (own.items !== undefined) return { key: own.key, items: own.items };
  if (seed.items !== undefined) return { key: seed.key, items: seed.items };
  return undefined;
}

/** A port the config may quote, as the seed does ("9000"). */
function portNumber(value: number | string, where: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`${where}: ${JSON.stringify(value)} is not a port (1-65535)`);
  }
  return port;
}

/** sshd's yes/no, from a YAML boolean or the word itself. */
function yesNo(value: boolean | string): string {
  return typeof value === "boolean" ? (value ? "yes" : "no") : value;
}

/** What the HAProxy chart's service.type may be (the schema's service_type). */
const SERVICE_TYPES: readonly string[] = ["LoadBalancer", "NodePort", "ClusterIP"];

interface HaproxyContext {
  readonly where: string;
  readonly sshd: readonly ResolvedSshd[];
  readonly nodes: readonly string[];
  /** The variables the seed's chart and chart_path name, by name. */
  readonly variables: Readonly<Record<string, string>>;
  readonly chartPath: (chart: string) => string;
  readonly defaultChart: string;
}

/** One HAProxy instance, in our form or the seed's, with every default applied. */
function resolveHaproxy(instance: HaproxyInstance, context: HaproxyContext): ResolvedHaproxy {
  const { where } = context;
  const port = backendPort(instance, context);
  const backends =
    instance.backends?.map((backend) => ({ ...backend, port: backend.port ?? port })) ??
    context.nodes.map((host) => ({ name: host, address: host, port }));
  if (backends.length === 0 && instance.config === undefined) {
    throw new UserError(
      `${where}: HAProxy instance ${instance.name} has no backends: there are no K3s nodes`,
      "Designate K3s nodes (HSM groups k3s_server/k3s_agent or k3s.servers in the config), or list haproxy[].backends.",
    );
  }
  rejectDuplicates(
    backends.map((backend) => backend.name),
    (name) => `${where}/backends: two backends are named ${JSON.stringify(name)}`,
    "HAProxy needs a name of its own for each server in a backend.",
  );
  const chart =
    instance.chart === undefined
      ? context.defaultChart
      : resolveSeedVariables(instance.chart, context.variables, `${where}/chart`);
  const chart_path = context.chartPath(chart);
  if (instance.chart_path !== undefined) {
    const given = resolveSeedVariables(
      instance.chart_path,
      context.variables,
      `${where}/chart_path`,
    );
    if (given !== chart_path) {
      throw new UserError(
        `${where}/chart_path: ${JSON.stringify(given)} is not where uan_helm stages chart ${chart} (${chart_path})`,
        "Leave chart_path out, or write it as the seed does: '{{ helm_install_path }}/charts/{{ haproxy_chart }}.tgz'.",
      );
    }
  }
  const args = parseHelmArgs(instance.args, `${where}/args`);
  const check = instance.check ?? HAPROXY_DEFAULTS.check;
  const serviceType =
    args.values.service?.type ?? instance.service_type ?? HAPROXY_DEFAULTS.service_type;
  if (typeof serviceType !== "string" || !SERVICE_TYPES.includes(serviceType)) {
    throw new UserError(
      `${where}/args: service.type ${JSON.stringify(serviceType)} is not LoadBalancer, NodePort or ClusterIP`,
    );
  }
  const resolved: ResolvedHaproxy = {
    name: instance.name,
    namespace: instance.namespace ?? instance.name,
    chart,
    chart_path,
    kind: instance.kind ?? HAPROXY_DEFAULTS.kind,
    service_type: serviceType,
    port: instance.port ?? HAPROXY_DEFAULTS.port,
    balance: instance.balance ?? HAPROXY_DEFAULTS.balance,
    maxconn: instance.maxconn ?? HAPROXY_DEFAULTS.maxconn,
    check: check === false ? false : { ...HAPROXY_DEFAULTS.check, ...check },
    timeouts: { ...HAPROXY_DEFAULTS.timeouts, ...instance.timeouts },
    backends,
    ...(Object.keys(args.values).length === 0 ? {} : { values: args.values }),
    ...(args.flags.length === 0 ? {} : { helm_args: args.flags }),
    ...(args.timeout === undefined ? {} : { timeout: args.timeout }),
    ...(instance.config === undefined ? {} : { config: instance.config }),
  };
  if (instance.config === undefined) checkHaproxyValues(resolved, where);
  return resolved;
}

/**
 * The port the backends' sshd listens on: the instance named by `sshd`, or HPE's `sshd_port`
 * (which must be one of the instances, or the system sshd's 22), or the first instance's.
 */
function backendPort(instance: HaproxyInstance, { where, sshd }: HaproxyContext): number {
  const named =
    instance.sshd === undefined ? undefined : sshd.find((s) => s.name === instance.sshd);
  if (instance.sshd !== undefined && named === undefined) {
    throw new UserError(
      `${where}/sshd: no sshd instance named ${JSON.stringify(instance.sshd)}`,
      `Name one of: ${sshd.map((s) => s.name).join(", ")}.`,
    );
  }
  if (instance.sshd_port === undefined) return (named ?? sshd[0]).port;
  const port = portNumber(instance.sshd_port, `${where}/sshd_port`);
  if (named !== undefined && named.port !== port) {
    throw new UserError(
      `${where}/sshd_port: ${port}, but sshd instance ${named.name} listens on ${named.port}`,
      "Give sshd or sshd_port, not both.",
    );
  }
  if (port !== 22 && !sshd.some((s) => s.port === port)) {
    throw new UserError(
      `${where}/sshd_port: no sshd instance listens on port ${port}`,
      `Use the port of one of the sshd instances (${sshd.map((s) => `${s.name}: ${s.port}`).join(", ")}), or 22 for the system sshd.`,
    );
  }
  return port;
}

/** Pool and advertisement names follow the split: the SLS K3s subnet's MetalLBPoolName. */
function metallbNames(
  config: UanK3SConfig,
  inventory: Inventory,
  warnings: string[],
): Pick<RoleModel["metallb"], "pool_name" | "l2advertisement_name" | "api_version"> {
  const pool_name = config.metallb?.pool_name ?? poolNameFromSls(inventory, warnings);
  return {
    pool_name,
    l2advertisement_name: config.metallb?.l2advertisement_name ?? pool_name,
    api_version: config.metallb?.api_version ?? ROLE_DEFAULTS.metallb.api_version,
  };
}

/** A Kubernetes object name (DNS-1123 label), as MetalLB's pools need. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function poolNameFromSls(inventory: Inventory, warnings: string[]): string {
  const net = inventory.vars.sls_user_network;
  const fallback = `${CSM_POOL_NAMES[isUserNetwork(net) ? net : "CAN"]}-k3s`;
  const fromSls = inventory.vars.metallb_ipaddresspool_name;
  if (fromSls === undefined) return fallback;
  if (fromSls.length <= 63 && OBJECT_NAME.test(fromSls)) return fromSls;
  warnings.push(
    `the SLS K3s subnet's MetalLBPoolName ${JSON.stringify(fromSls)} is not a Kubernetes name; the pool is named ${fallback} (set metallb.pool_name to choose)`,
  );
  return fallback;
}

/** metallb.range, or the seed's metallb_ipaddresspool_range_start/_end; never both. */
function explicitRange(
  config: UanK3SConfig,
  origin: string,
): { readonly start: string; readonly end: string; readonly path: string } | undefined {
  const start = config.metallb_ipaddresspool_range_start;
  const end = config.metallb_ipaddresspool_range_end;
  const range = config.metallb?.range;
  if (start === undefined && end === undefined)
    return range === undefined ? undefined : { ...range, path: "/metallb/range" };
  if (start === undefined || end === undefined) {
    throw new UserError(
      `${origin}: /metallb_ipaddresspool_range_${start === undefined ? "start" : "end"} is missing: the seed's range takes both ends`,
    );
  }
  if (range !== undefined) {
    throw new UserError(
      `${origin}: /metallb_ipaddresspool_range_start: metallb.range is given too`,
      "Keep one of metallb.range and metallb_ipaddresspool_range_start/_end (the seed's names).",
    );
  }
  return { start, end, path: "/metallb_ipaddresspool_range_start" };
}
