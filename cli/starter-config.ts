import { readPackageFile } from "../core/package-files";
import { pyYamlDocument, pyYamlString, yamlModule } from "../core/yaml";
import {
  DEFAULT_HAPROXY_INSTANCE,
  DEFAULT_SSHD_INSTANCE,
  HAPROXY_DEFAULTS,
  PODMAN_DEFAULTS,
  ROLE_DEFAULTS,
  SSHD_DEFAULTS,
} from "../generator/defaults";
import type { UanK3SConfig } from "../schemas/generated/config";
import { DEFAULTS } from "./settings";

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  $ref?: string;
  anyOf?: SchemaNode[];
}

/** Every default spelled out: what gen-roles does with no config file at all. */
export function starterConfig(): UanK3SConfig {
  const haproxy = DEFAULT_HAPROXY_INSTANCE;
  const sshd = DEFAULT_SSHD_INSTANCE;
  return {
    api_gateway: DEFAULTS.apiGateway,
    insecure: DEFAULTS.insecure,
    allow_http: DEFAULTS.allowHttp,
    client_id: DEFAULTS.clientId,
    timeout: DEFAULTS.timeout,
    retries: DEFAULTS.retries,
    cache_ttl: DEFAULTS.cacheTtl,
    hostnames: DEFAULTS.hostnames,
    scope: DEFAULTS.scope,
    release: { ...ROLE_DEFAULTS.release },
    k3s: { ...ROLE_DEFAULTS.k3s, install_options: [...ROLE_DEFAULTS.k3s.install_options] },
    helm: { ...ROLE_DEFAULTS.helm },
    metallb: { ...ROLE_DEFAULTS.metallb },
    haproxy: [
      {
        name: haproxy.name,
        namespace: haproxy.name,
        ...HAPROXY_DEFAULTS,
        check: { ...HAPROXY_DEFAULTS.check },
        timeouts: { ...HAPROXY_DEFAULTS.timeouts },
      },
    ],
    sshd: [
      {
        name: sshd.name,
        port: sshd.port,
        ...SSHD_DEFAULTS,
        podman: { image: sshd.podman.image, ...PODMAN_DEFAULTS, extra_args: [] },
      },
    ],
    podman: { ...ROLE_DEFAULTS.podman },
  };
}

const HEADER = `uan-k3s configuration: every setting with its default.
Flags beat UAN_K3S_* environment variables, which beat this file. Relative paths are
relative to this file. Settings marked CHANGE need a value for this system; the settings
with no default are commented out. "uan-k3s doctor" checks this file and lists every
error with the setting's path.`;

/** Settings with no default: written commented out, with an example value. */
const UNSET_EXAMPLES: Readonly<Record<string, string>> = {
  sls_file: "sls.json",
  hsm_file: "hsm-groups.json",
  ca_cert: "/etc/pki/trust/anchors/platform-ca-certs.crt",
  token_file: "/root/.config/cray/tokens/api_gw_service_nmn_local.vers",
  client_secret_file: "/root/.uan-k3s-secret",
  sls_can_metallb_fullname: "CAN Dynamic MetalLB K3s",
  // The seed's own forms, an alternative to haproxy, sshd and metallb.range.
  uan_haproxy: "[]",
  uan_sshd_configs: "[]",
  metallb_ipaddresspool_range_start: "10.102.20.225",
  metallb_ipaddresspool_range_end: "10.102.20.254",
};

/** What an admin must set for their system: the key path, and why. */
const MUST_CHANGE: Readonly<Record<string, string>> = {
  "sshd.podman.image":
    "CHANGE: the image users get at login; the default is the seed's example, not an image your registry holds.",
};

/**
 * `uan-k3s init`: the starter file, each key preceded by its description from the schema.
 * YAML 1.1-safe, deterministic.
 */
export function renderStarterConfig(options: { clientSecretFile?: string } = {}): string {
  const YAML = yamlModule();
  const schema = JSON.parse(readPackageFile("schemas/config.schema.json")) as SchemaNode & {
    definitions: Record<string, SchemaNode>;
  };
  const resolve = (node: SchemaNode | undefined): SchemaNode | undefined => {
    if (node?.$ref !== undefined)
      return resolve(schema.definitions[node.$ref.split("/").pop() as string]);
    const object = node?.anyOf?.find(
      (choice) => choice.$ref !== undefined || choice.properties !== undefined,
    );
    return object === undefined ? node : { ...resolve(object), description: node?.description };
  };
  const data: UanK3SConfig = {
    ...(options.clientSecretFile === undefined
      ? {}
      : { client_secret_file: options.clientSecretFile }),
    ...starterConfig(),
  };
  const document = pyYamlDocument(data);
  const describe = (node: unknown, schemaNode: SchemaNode | undefined, path: string): void => {
    if (YAML.isMap(node)) {
      for (const pair of node.items) {
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : "";
        const keyPath = path === "" ? key : `${path}.${key}`;
        const child = resolve(schemaNode?.properties?.[key]);
        const change = MUST_CHANGE[keyPath];
        const lines = [change, child?.description].filter((line) => line !== undefined);
        if (lines.length > 0 && YAML.isScalar(pair.key)) {
          pair.key.commentBefore = lines.map((line) => ` ${line}`).join("\n");
        }
        describe(pair.value, child, keyPath);
      }
    } else if (YAML.isSeq(node)) {
      for (const item of node.items) describe(item, resolve(schemaNode?.items), path);
    }
  };
  describe(document.contents, schema, "");
  // The settings with no default, commented out before the first key, so that every
  // setting is in the file.
  const first = YAML.isMap(document.contents) ? document.contents.items[0]?.key : undefined;
  if (YAML.isScalar(first)) {
    const unset = Object.entries(UNSET_EXAMPLES)
      .filter(([key]) => data[key as keyof UanK3SConfig] === undefined)
      .flatMap(([key, example]) => [
        ` ${schema.properties?.[key]?.description ?? ""}`,
        ` ${key}: ${example}`,
      ]);
    first.commentBefore = [...unset, first.commentBefore ?? ""].join("\n");
  }
  document.commentBefore = HEADER.replace(/^/gm, " ");
  return pyYamlString(document);
}
