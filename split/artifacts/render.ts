import { byCodeUnit } from "../../core/order";
import type { SlsNetwork } from "../../schemas/generated/sls";
import { toPyYaml } from "../../core/yaml";
import { metallbRangeOrigin } from "../../inventory/networks";
import { headerComment } from "./header";
import {
  csmIpAddressPoolFile,
  metallbFragmentFile,
  poolChangeOf,
  shrinkMetallbConfigMap,
  type ConfigMapInput,
} from "./metallb-config";
import { CSM_POOL_NAMES, type SplitPlan } from "../plan";

/** Relative file name → contents; keys in code-unit order. */
export type ArtifactFiles = Readonly<Record<string, string>>;

/** What the artifacts are made from besides the plan. */
export interface ArtifactSources {
  /** Where SLS was read from (a URL or a file), named in every YAML file's header. */
  slsOrigin: string;
  /**
   * The output of `kubectl get cm metallb -n metallb-system -o yaml` (CSM <= 1.6). Without it
   * csm-metallb-configmap.yaml is only the shrunk pool, to merge by hand.
   */
  metallbConfigMap?: ConfigMapInput;
}

/** The body PUT to /apis/sls/v1/networks/<NET>, as applySplit sends it. */
export function slsNetworkFile(net: string): string {
  return `sls-${net}.json`;
}

/** The network as SLS had it when it was read. */
export function slsOriginalFile(net: string): string {
  return `sls-${net}.orig.json`;
}

export const CSM_CONFIGMAP_FILE = "csm-metallb-configmap.yaml";
export const CSM_IPADDRESSPOOL_FILE = "csm-ipaddresspool.yaml";
export const UAN_HELM_FILE = "uan_helm.yml";

/**
 * Every file renderSplitArtifacts may write, for either user network: the files that look
 * ready to apply. A run removes those it does not write itself, so that the --out directory
 * never holds an earlier run's PUT body or pool manifest beside this run's report.
 */
export const ARTIFACT_NAMES: readonly string[] = [
  ...Object.keys(CSM_POOL_NAMES).flatMap((net) => [slsNetworkFile(net), slsOriginalFile(net)]),
  CSM_CONFIGMAP_FILE,
  CSM_IPADDRESSPOOL_FILE,
  UAN_HELM_FILE,
].sort(byCodeUnit);

/** A network as SLS's JSON files are kept: 2-space indentation and a final newline. */
export function slsNetworkJson(network: SlsNetwork): string {
  return `${JSON.stringify(network, null, 2)}\n`;
}

/**
 * Everything `uan-k3s split --out DIR` writes, rendered without touching the disk, so that a
 * refusal (e.g. a ConfigMap whose pool does not match SLS) comes before any file is written.
 * An already-split plan gets only the files that still apply: uan_helm.yml, and CSM's pool
 * files when SLS still has the subnet the K3s one was split from.
 */
export function renderSplitArtifacts(plan: SplitPlan, sources: ArtifactSources): ArtifactFiles {
  const files: Record<string, string> = { [UAN_HELM_FILE]: uanHelmFile(plan, sources.slsOrigin) };
  if (plan.kind === "split") {
    files[slsNetworkFile(plan.net)] = slsNetworkJson(plan.networkAfter);
    files[slsOriginalFile(plan.net)] = slsNetworkJson(plan.networkBefore);
  }
  const change = poolChangeOf(plan);
  if (change !== undefined) {
    files[CSM_IPADDRESSPOOL_FILE] = csmIpAddressPoolFile(change, sources.slsOrigin);
    files[CSM_CONFIGMAP_FILE] =
      sources.metallbConfigMap === undefined
        ? metallbFragmentFile(change, sources.slsOrigin)
        : shrinkMetallbConfigMap(sources.metallbConfigMap, change, sources.slsOrigin);
  }
  const names = Object.keys(files).sort(byCodeUnit);
  return Object.fromEntries(names.map((name) => [name, files[name]]));
}

/** The K3s MetalLB range as vars/uan_helm.yml of uan-config-management sets it. */
function uanHelmFile(plan: SplitPlan, slsOrigin: string): string {
  const { range, k3s } = plan;
  const header = headerComment(
    [slsOrigin],
    [
      `The MetalLB range of K3s on the UANs: the ${range.count} usable addresses of ${JSON.stringify(k3s.FullName)} (${range.cidr}).`,
      ...metallbRangeOrigin(plan.net, k3s),
      "To pin another range, set metallb.range in uan-k3s.yaml rather than editing the file.",
    ],
  );
  return (
    header +
    toPyYaml(
      {
        metallb_ipaddresspool_range_start: range.first,
        metallb_ipaddresspool_range_end: range.last,
      },
      { quoteStrings: true },
    )
  );
}
