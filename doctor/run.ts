import { loadSystem, type HsmSource, type SlsSource, type SystemData } from "../csm/source";
import { buildInventory, type HostnameMode, type Inventory } from "../inventory/build";
import type { UanK3SConfig } from "../schemas/generated/config";
import { failure, pass, type Check } from "./check";
import { checkK3s } from "./k3s";
import { checkNetwork } from "./network";
import { checkRoles } from "./roles";
import { checkSubid } from "./subid";

/** The config file: its validated data and its absolute path. */
export interface DoctorConfig {
  readonly data: UanK3SConfig;
  readonly path: string;
}

/** The SLS and HSM sources the settings name, and how hosts are named. */
export interface DoctorSources {
  readonly sls: SlsSource;
  readonly hsm: HsmSource;
  readonly hostnames: HostnameMode;
}

/**
 * What doctor needs from its caller. The config and the sources come through functions, so
 * that a bad config file is a failed check rather than an abort, and doctor knows neither
 * flags nor environment.
 */
export interface DoctorInput {
  /** Reads and validates the config file, undefined when there is none; throws a UserError. */
  readonly loadConfig: () => DoctorConfig | undefined;
  /** The sources, given the config (which may name the SLS and HSM files). */
  readonly openSources: (config: DoctorConfig | undefined) => DoctorSources;
  /** A generated tree to check is up to date (gen-roles --check). */
  readonly out?: string;
  readonly subuid?: string;
  readonly subgid?: string;
  /** Users for the subuid/subgid check. */
  readonly passwd?: string;
}

/**
 * Every prerequisite uan-k3s can see, in the order an admin meets them. A check that depends
 * on one that failed is skipped, not failed again. Reads; never writes.
 */
export async function runChecks(input: DoctorInput): Promise<Check[]> {
  const checks: Check[] = [];
  const config = checkConfig(input, checks);
  const sources = input.openSources(config);
  const system = await checkSources(sources, checks);
  const inventory =
    system === undefined ? undefined : designate(system, sources.hostnames, config, checks);
  checks.push(...checkNetwork(system, inventory, config?.data.sls_can_metallb_fullname));
  if (system !== undefined && inventory !== undefined) checks.push(...checkK3s(system, inventory));
  checks.push(...checkRoles(config, inventory, input.out));
  checks.push(...checkSubid(input));
  return checks;
}

function checkConfig(input: DoctorInput, checks: Check[]): DoctorConfig | undefined {
  const title = "The config file validates";
  try {
    const config = input.loadConfig();
    checks.push(
      pass(
        "config",
        title,
        config === undefined ? "no config file: every default applies" : config.path,
      ),
    );
    return config;
  } catch (error) {
    checks.push(failure("config", title, error));
    return undefined;
  }
}

async function checkSources(
  { sls, hsm }: DoctorSources,
  checks: Check[],
): Promise<SystemData | undefined> {
  const title = "SLS and HSM are readable";
  try {
    const system = await loadSystem(sls, hsm);
    checks.push(
      pass(
        "sources",
        title,
        `${system.sls.networks.size} networks and ${system.sls.nodes.length} nodes from ${sls.origin}; ${system.groups.length} HSM groups from ${hsm.origin}`,
      ),
    );
    return system;
  } catch (error) {
    checks.push(failure("sources", title, error));
    return undefined;
  }
}

/** The inventory with its K3s designation; an inconsistent designation fails a check. */
function designate(
  system: SystemData,
  hostnames: HostnameMode,
  config: DoctorConfig | undefined,
  checks: Check[],
): Inventory | undefined {
  try {
    const k3s = config?.data.k3s;
    return buildInventory(system, {
      hostnames,
      k3s: k3s === undefined || config === undefined ? undefined : { ...k3s, origin: config.path },
      k3sSubnetFullName: config?.data.sls_can_metallb_fullname,
    });
  } catch (error) {
    checks.push(failure("designation", "The K3s designation is consistent", error));
    return undefined;
  }
}
