import { pyYamlDocument, pyYamlString, yamlModule } from "../core/yaml";
import type { RoleModel } from "./model";

/**
 * The vars files k3s.yml loads, as data → YAML. Written by the serializer rather than a
 * template so that no value can break the YAML. Any string value that could open Jinja (it
 * holds a `{`) is tagged `!unsafe`: Ansible then never templates it, so `{{ ... }}` arriving
 * from SLS or the config file stays text instead of running. YAML 1.1 because Ansible reads
 * it with PyYAML.
 */
export function renderVarsFiles(model: RoleModel): Map<string, string> {
  const { release, k3s, helm, metallb } = model;
  return new Map([
    [
      "vars/uan_k3s.yml",
      varsFileYaml({
        third_party_url: release.third_party_url,
        k3s_version: release.k3s_version,
        k3s_install_path: k3s.install_path,
        k3s_config: k3s.kubeconfig,
        k3s_binary: k3s.binary,
        k3s_install: k3s.installer,
        k3s_airgap: k3s.airgap_images,
        k3s_install_options: k3s.install_options,
        k3s_flannel_iface: k3s.flannel_iface,
        k3s_api_port: k3s.api_port,
        uan_k3s_stage_without_image: k3s.stage_without_image,
      }),
    ],
    [
      "vars/uan_helm.yml",
      varsFileYaml({
        helm_path: helm.binary,
        helm_install_path: helm.install_path,
        helm_timeout: helm.timeout,
        third_party_registry: release.third_party_registry,
        metallb_chart: release.metallb_chart,
        haproxy_chart: release.haproxy_chart,
        haproxy_image: release.haproxy_image,
        uan_metallb: {
          name: metallb.release,
          namespace: metallb.namespace,
          chart: metallb.chart,
          chart_path: metallb.chart_path,
        },
        // HPE's uan_metallb names for the pool's settings.
        metallb_ipaddresspool_name: metallb.pool_name,
        metallb_l2advertisement_name: metallb.l2advertisement_name,
        metallb_apiversion: metallb.api_version,
        ...(metallb.range === undefined
          ? {}
          : {
              metallb_ipaddresspool_range_start: metallb.range.start,
              metallb_ipaddresspool_range_end: metallb.range.end,
            }),
        uan_haproxy: model.haproxy,
      }),
    ],
    ["vars/uan_sshd.yml", varsFileYaml({ uan_sshd_configs: model.sshd })],
    [
      "vars/uan_podman.yml",
      varsFileYaml({
        uan_podman_dir: model.podman.storage_dir,
        ...(model.podman.subuid_url === undefined
          ? {}
          : { uan_podman_subuid_url: model.podman.subuid_url }),
        ...(model.podman.subgid_url === undefined
          ? {}
          : { uan_podman_subgid_url: model.podman.subgid_url }),
      }),
    ],
  ]);
}

/** YAML 1.1 for PyYAML; string values that could open Jinja are tagged !unsafe (keys are ours). */
export function varsFileYaml(data: object): string {
  const YAML = yamlModule();
  const document = pyYamlDocument(data);
  const guard = (node: unknown): void => {
    if (YAML.isScalar(node) && typeof node.value === "string" && node.value.includes("{")) {
      node.tag = "!unsafe";
    }
  };
  YAML.visit(document, {
    Pair: (_, pair) => guard(pair.value),
    Seq: (_, seq) => seq.items.forEach(guard),
  });
  return pyYamlString(document);
}
