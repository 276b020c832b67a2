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
relative to this file. Add sls_file / hsm_file to work from files, or token_file /
client_secret_file and ca_cert to reach the CSM API. Checked against
schemas/config.schema.json; "uan-k3s gen-roles" lists every error with its path.`;

/**
 * `uan-k3s init`: the starter file, each key preceded by its description from the schema.
 * YAML 1.1-safe, deterministic.
 */
export function renderStarterConfig(): string {
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
  const document = pyYamlDocument(starterConfig());
  const describe = (node: unknown, schemaNode: SchemaNode | undefined): void => {
    if (YAML.isMap(node)) {
      for (const pair of node.items) {
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : "";
        const child = resolve(schemaNode?.properties?.[key]);
        if (child?.description !== undefined && YAML.isScalar(pair.key)) {
          pair.key.commentBefore = ` ${child.description}`;
        }
        describe(pair.value, child);
      }
    } else if (YAML.isSeq(node)) {
      for (const item of node.items) describe(item, resolve(schemaNode?.items));
    }
  };
  describe(document.contents, schema);
  document.commentBefore = HEADER.replace(/^/gm, " ");
  return pyYamlString(document);
}
