import type { CfsApi } from "../cfs";
import { loadSystem, type HsmSource, type SlsSource, type SystemData } from "../csm/source";
import { buildInventory, type HostnameMode, type Inventory } from "../inventory/build";
import type { UanK3SConfig } from "../schemas/generated/config";
import { failure, pass, skip, type Check } from "./check";
import { checkCfsLayer } from "./cfs";
import { checkPushed } from "./git";
import { checkK3s } from "./k3s";
import { checkNetwork } from "./network";
import { checkRoles } from "./roles";
import { checkSubid } from "./subid";
import { checkTools } from "./tools";
import { checkUploaded } from "./uploaded";

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

/** Why SLS and HSM (or CFS) cannot be read at all (no credentials), and how to change that. */
export interface SourcesUnavailable {
  readonly unavailable: string;
  readonly fix: string;
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
  readonly openSources: (config: DoctorConfig | undefined) => DoctorSources | SourcesUnavailable;
  /** Whether a program is on PATH (git, kubectl, cray). */
  readonly onPath: (name: string) => boolean;
  /** CFS, given the config; or why it cannot be read. Called only when a check needs it. */
  readonly openCfs: (config: DoctorConfig | undefined) => CfsApi | SourcesUnavailable;
  /** A generated tree to check is up to date (gen-roles --check), pushed, and run by CFS. */
  readonly out?: string;
  /** The CFS configuration whose K3s layer should run HEAD of `out`. */
  readonly cfsName?: string;
  readonly subuid?: string;
  readonly subgid?: string;
  /** Users for the subuid/subgid check. */
  readonly passwd?: string;
  /**
   * GETs a URL the nodes download from (podman.subuid_url), with the settings the config
   * gives: the body, or undefined for a 404; throws a UserError.
   */
  readonly fetchUrl: (
    url: string,
    what: string,
    config: DoctorConfig | undefined,
  ) => Promise<string | undefined>;
  /** The flags of this run that pick the config and the data, repeated in fix commands. */
  readonly sourceArgs?: readonly string[];
}

/**
 * Every prerequisite uan-k3s can see, in the order an admin meets them. A check that depends
 * on one that failed is skipped, not failed again. Reads; never writes.
 */
export async function runChecks(input: DoctorInput): Promise<Check[]> {
  const checks: Check[] = [];
  const config = checkConfig(input, checks);
  checks.push(...checkTools(input.onPath));
  const { system, hostnames, why } = await checkSources(input, config, checks);
  const inventory =
    system === undefined || hostnames === undefined
      ? undefined
      : designate(system, hostnames, config, checks);
  const notRead = why ?? "the K3s designation is inconsistent";
  checks.push(...checkNetwork(system, inventory, notRead, config?.data.sls_can_metallb_fullname));
  checks.push(...checkK3s(system, inventory, notRead));
  checks.push(...checkRoles(config, inventory, input.out, input.sourceArgs ?? []));
  checks.push(...(await checkPushed(input.out)));
  checks.push(
    await checkCfsLayer({
      name: input.cfsName,
      out: input.out,
      openCfs: () => input.openCfs(config),
      sourceArgs: input.sourceArgs ?? [],
    }),
  );
  checks.push(...checkSubid(input));
  checks.push(
    ...(await checkUploaded({
      subuid: input.subuid,
      subgid: input.subgid,
      urls: { subuid: config?.data.podman?.subuid_url, subgid: config?.data.podman?.subgid_url },
      cray: input.onPath("cray"),
      fetchUrl: (url, what) => input.fetchUrl(url, what, config),
    })),
  );
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

/**
 * SLS and HSM, read; else why not, for the checks that need them. No credentials is a skip
 * (the other checks still run), a source that fails is a failure.
 */
async function checkSources(
  input: DoctorInput,
  config: DoctorConfig | undefined,
  checks: Check[],
): Promise<{ system?: SystemData; hostnames?: HostnameMode; why?: string }> {
  const title = "SLS and HSM are readable";
  let sources: DoctorSources | SourcesUnavailable;
  try {
    sources = input.openSources(config);
  } catch (error) {
    checks.push(failure("sources", title, error));
    return { why: "SLS and HSM could not be read" };
  }
  if ("unavailable" in sources) {
    checks.push(skip("sources", title, sources.unavailable, sources.fix));
    return { why: `SLS and HSM were not read: ${sources.unavailable}` };
  }
  const { sls, hsm } = sources;
  try {
    const system = await loadSystem(sls, hsm);
    checks.push(
      pass(
        "sources",
        title,
        `${system.sls.networks.size} networks and ${system.sls.nodes.length} nodes from ${sls.origin}; ${system.groups.length} HSM groups from ${hsm.origin}`,
      ),
    );
    return { system, hostnames: sources.hostnames };
  } catch (error) {
    checks.push(failure("sources", title, error));
    return { why: "SLS and HSM could not be read" };
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
