import { UserError } from "../core/errors";
import { parseIpv4 } from "../core/ipv4";
import { sortNatural } from "../core/order";
import type { Inventory } from "../inventory/build";
import { K3S_AGENT, K3S_SERVER } from "../inventory/designate";
import type {
  HaproxyBackend,
  HaproxyCheck,
  PodmanContainer,
  SshdInstance,
  UanK3SConfig,
} from "../schemas/generated/config";
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
  readonly service_type: string;
  readonly port: number;
  readonly balance: string;
  readonly maxconn: number;
  readonly check: Required<HaproxyCheck> | false;
  readonly timeouts: { readonly connect: string; readonly client: string; readonly server: string };
  readonly backends: readonly Required<HaproxyBackend>[];
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

  const sshd = resolveSshd(config.sshd ?? DEFAULT_SSHD, k3s.api_port, origin);
  for (const instance of sshd) {
    if (instance.podman?.image === EXAMPLE_IMAGE) {
      warnings.push(
        `sshd instance ${instance.name} uses the seed's example image ${EXAMPLE_IMAGE}; set sshd[].podman.image to an image your users should get`,
      );
    }
  }

  const nodes = k3sNodes(inventory);
  const haproxy = (config.haproxy ?? DEFAULT_HAPROXY).map((instance, index): ResolvedHaproxy => {
    const where = `${origin}: /haproxy/${index}`;
    const target =
      instance.sshd === undefined ? sshd[0] : sshd.find((s) => s.name === instance.sshd);
    if (target === undefined) {
      throw new UserError(
        `${where}/sshd: no sshd instance named ${JSON.stringify(instance.sshd)}`,
        `Name one of: ${sshd.map((s) => s.name).join(", ")}.`,
      );
    }
    const backends =
      instance.backends?.map((backend) => ({ ...backend, port: backend.port ?? target.port })) ??
      nodes.map((host) => ({ name: host, address: host, port: target.port }));
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
    const chart = instance.chart ?? release.haproxy_chart;
    const check = instance.check ?? HAPROXY_DEFAULTS.check;
    const resolved: ResolvedHaproxy = {
      name: instance.name,
      namespace: instance.namespace ?? instance.name,
      chart,
      chart_path: chartPath(chart),
      service_type: instance.service_type ?? HAPROXY_DEFAULTS.service_type,
      port: instance.port ?? HAPROXY_DEFAULTS.port,
      balance: instance.balance ?? HAPROXY_DEFAULTS.balance,
      maxconn: instance.maxconn ?? HAPROXY_DEFAULTS.maxconn,
      check: check === false ? false : { ...HAPROXY_DEFAULTS.check, ...check },
      timeouts: { ...HAPROXY_DEFAULTS.timeouts, ...instance.timeouts },
      backends,
    };
    if (instance.config === undefined) checkHaproxyValues(resolved, where);
    return instance.config === undefined ? resolved : { ...resolved, config: instance.config };
  });
  rejectDuplicates(
    haproxy.map((h) => h.name),
    (name) => `${origin}: /haproxy: two HAProxy instances are named ${JSON.stringify(name)}`,
  );

  return {
    release,
    k3s,
    helm,
    metallb: {
      ...ROLE_DEFAULTS.metallb,
      ...config.metallb,
      chart: release.metallb_chart,
      chart_path: chartPath(release.metallb_chart),
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
  apiPort: number,
  origin: string,
): ResolvedSshd[] {
  const resolved = instances.map((instance, index): ResolvedSshd => {
    const taken = sshdPortProblem(instance.port, apiPort);
    if (taken !== undefined) {
      throw new UserError(
        `${origin}: /sshd/${index}/port: ${taken}`,
        "Give the sshd instance a free port (the seed uses 9000).",
      );
    }
    const base: ResolvedSshd = {
      name: instance.name,
      config_path: instance.config_path ?? SSHD_DEFAULTS.config_path,
      port: instance.port,
      match: instance.match ?? SSHD_DEFAULTS.match,
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
    (name) => `${origin}: /sshd: two sshd instances are named ${JSON.stringify(name)}`,
  );
  rejectDuplicates(
    resolved.map((s) => String(s.port)),
    (port) => `${origin}: /sshd: two sshd instances listen on port ${port}`,
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
  const explicit = config.metallb?.range;
  if (explicit !== undefined) {
    if ((parseIpv4(explicit.start) as number) > (parseIpv4(explicit.end) as number)) {
      throw new UserError(
        `${origin}: /metallb/range: start ${explicit.start} is after end ${explicit.end}`,
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
