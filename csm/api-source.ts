import type { Log } from "../core/log";
import { validate } from "../core/validate";
import type { HsmGroup } from "../schemas/generated/hsm";
import type { SlsHardwareList, SlsNetworkList } from "../schemas/generated/sls";
import { createCsmClient, type ApiOptions, type CsmClient } from "./api-client";
import { NODE_TYPE, noNetworks, type HsmSource, type SlsData, type SlsSource } from "./source";

export type { ApiOptions } from "./api-client";

const NETWORKS_PATH = "/apis/sls/v1/networks";
const NODES_PATH = `/apis/sls/v1/search/hardware?type=${NODE_TYPE}`;
const GROUPS_PATH = "/apis/smd/hsm/v2/groups";

/** SLS from the live service: every network and every node, fetched concurrently. */
export class ApiSlsSource implements SlsSource {
  readonly origin: string;

  constructor(private readonly client: CsmClient) {
    this.origin = `${client.gateway}/apis/sls/v1`;
  }

  async load(): Promise<SlsData> {
    const networksUrl = this.client.gateway + NETWORKS_PATH;
    const nodesUrl = this.client.gateway + NODES_PATH;
    // Checked before they are cached: a 200 of the wrong shape must not fail every run.
    const [networks, nodes] = await Promise.all([
      this.client.getChecked(
        NETWORKS_PATH,
        (value) =>
          validate<SlsNetworkList>(value, "sls.schema.json", networksUrl, "SlsNetworkList"),
        { cached: true },
      ),
      this.client.getChecked(
        NODES_PATH,
        (value) => validate<SlsHardwareList>(value, "sls.schema.json", nodesUrl, "SlsHardwareList"),
        { cached: true },
      ),
    ]);
    if (networks === null || networks.length === 0) {
      throw noNetworks(
        `GET ${networksUrl}`,
        `answered ${JSON.stringify(networks)}`,
        "Check that the API gateway (--api-gateway, UAN_K3S_API_GATEWAY) is this system's and that SLS is loaded (cray sls networks list); or pass --sls-file with a dump that has them.",
      );
    }
    return {
      // SLS answers `null`, not `[]`, for both lists when it holds none.
      networks: new Map(networks.map((network) => [network.Name, network])),
      nodes: nodes ?? [],
    };
  }
}

/** HSM groups from the live service. */
export class ApiHsmSource implements HsmSource {
  readonly origin: string;

  constructor(private readonly client: CsmClient) {
    this.origin = client.gateway + GROUPS_PATH;
  }

  async groups(): Promise<HsmGroup[]> {
    return this.client.getChecked(
      GROUPS_PATH,
      (groups) => validate<HsmGroup[]>(groups, "hsm.schema.json", this.origin),
      { cached: true },
    );
  }
}

/** Both sources over one client, so that they share one token and one connection setup. */
export function createApiSources(
  options: ApiOptions,
  log: Log,
): { sls: SlsSource; hsm: HsmSource } {
  const client = createCsmClient(options, log);
  return { sls: new ApiSlsSource(client), hsm: new ApiHsmSource(client) };
}
