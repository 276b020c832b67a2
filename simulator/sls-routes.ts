import { isUserError } from "../core/errors";
import { parseJson } from "../core/json";
import type { SlsHardware, SlsNetwork } from "../schemas/generated/sls";
import { jsonReply, problemReply, SLS_ABOUT_BLANK, type Reply } from "./reply";
import type { Route, SimRequest } from "./router";
import { fieldsFrom, search, type FieldOf, type SearchResult } from "./search";
import { recordWrite, type SimulatorState } from "./state";

export const SLS_BASE = "/apis/sls/v1";

/** SLS as the real service behaves, quirks included (see DOMAIN.md, "SLS API"). */
export function slsRoutes(state: SimulatorState): Route[] {
  const networks = (): SlsNetwork[] => present(state.sls.Networks);
  const hardware = (): SlsHardware[] => present(state.sls.Hardware ?? {});
  const route = (method: string, path: string, handle: (request: SimRequest) => Reply): Route => ({
    method,
    pattern: SLS_BASE + path,
    handle,
  });
  return [
    route("GET", "/networks", () => jsonReply(200, networks())),
    route("GET", "/networks/:name", (request) => {
      // Exact and case-sensitive, like the real lookup: "can" is not "CAN".
      const network = Object.hasOwn(state.sls.Networks, request.params.name)
        ? state.sls.Networks[request.params.name]
        : undefined;
      return network === undefined
        ? slsProblem(404, `network ${request.params.name} not found`, request)
        : jsonReply(200, network);
    }),
    route("PUT", "/networks/:name", (request) => putNetwork(state, request)),
    route("PATCH", "/networks/:name", (request) =>
      slsProblem(501, "PATCH is not implemented; PUT the whole network", request),
    ),
    route("GET", "/search/networks", (request) =>
      // The real server answers 404, not [], when no network matches.
      searchReply(search(networks(), request.query, NETWORK_FIELDS), request, () =>
        slsProblem(404, "no networks matched the search", request),
      ),
    ),
    route("GET", "/hardware", () => jsonReply(200, hardware())),
    route("GET", "/search/hardware", (request) =>
      // ...and here 200 with a body of null, not [], when no hardware matches.
      searchReply(search(hardware(), request.query, HARDWARE_FIELDS), request, () =>
        jsonReply(200, null),
      ),
    ),
    route("GET", "/dumpstate", () =>
      jsonReply(200, { Hardware: state.sls.Hardware ?? {}, Networks: state.sls.Networks }),
    ),
    route("GET", "/version", () => jsonReply(200, state.version)),
  ];
}

/** Upsert: 200 for create and update alike, no ETag, the URL name wins over the body's. */
function putNetwork(state: SimulatorState, request: SimRequest): Reply {
  let body: unknown;
  try {
    body = parseJson(request.body, "request body");
  } catch (error) {
    if (!isUserError(error)) throw error;
    return slsProblem(400, error.message, request);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return slsProblem(400, "request body must be a JSON object (a network)", request);
  }
  const now = new Date();
  const network: SlsNetwork = {
    ...(body as SlsNetwork),
    Name: request.params.name,
    // Clients' LastUpdated* are ignored: the server stamps its own.
    LastUpdated: Math.floor(now.getTime() / 1000),
    LastUpdatedTime: goTimeString(now),
  };
  state.sls.Networks[request.params.name] = network;
  recordWrite(state, now);
  return jsonReply(200, network);
}

const NETWORK_FIELDS: FieldOf<SlsNetwork> = fieldsFrom({
  name: (network) => network.Name,
  full_name: (network) => network.FullName,
  type: (network) => network.Type,
});

const HARDWARE_TABLE = fieldsFrom<SlsHardware>({
  xname: (hw) => hw.Xname,
  parent: (hw) => hw.Parent,
  class: (hw) => hw.Class,
  type: (hw) => hw.Type,
});
const EXTRA = "extra_properties.";

/** The fixed keys, plus `extra_properties.<Key>` for any key of ExtraProperties. */
const HARDWARE_FIELDS: FieldOf<SlsHardware> = (key) =>
  key.startsWith(EXTRA)
    ? (hw) => (hw.ExtraProperties as Record<string, unknown> | undefined)?.[key.slice(EXTRA.length)]
    : HARDWARE_TABLE(key);

function searchReply<T>(result: SearchResult<T>, request: SimRequest, none: () => Reply): Reply {
  if (!result.ok) return slsProblem(400, `unknown search parameter ${result.unknownKey}`, request);
  return result.matches.length === 0 ? none() : jsonReply(200, result.matches);
}

function slsProblem(status: number, detail: string, request: SimRequest): Reply {
  return problemReply(status, detail, { type: SLS_ABOUT_BLANK, instance: request.path });
}

function present<T>(byName: Readonly<Record<string, T | undefined>>): T[] {
  return Object.values(byName).filter((value): value is T => value !== undefined);
}

/** Go's time.String() of a UTC time as SLS stores it: "2025-04-17 12:10:43.505 +0000 +0000". */
export function goTimeString(at: Date): string {
  const [date, time] = at.toISOString().slice(0, -1).split("T");
  return `${date} ${time.replace(/0+$/, "").replace(/\.$/, "")} +0000 +0000`;
}
