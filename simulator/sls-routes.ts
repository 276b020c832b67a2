import { isIP } from "node:net";
import { isUserError } from "../core/errors";
import { parseJson } from "../core/json";
import type { SlsHardware, SlsNetwork } from "../schemas/generated/sls";
import { jsonReply, problemReply, SLS_ABOUT_BLANK, type Reply } from "./reply";
import type { Route, SimRequest } from "./router";
import { fieldsFrom, search, type FieldOf } from "./search";
import { recordWrite, type SimulatorState } from "./state";

export const SLS_BASE = "/apis/sls/v1";

/** SLS as the real service behaves, quirks included (see DOMAIN.md, "SLS API"). */
export function slsRoutes(state: SimulatorState): Route[] {
  const networks = (): SlsNetwork[] => present(state.sls.Networks);
  const hardware = (): SlsHardware[] => present(state.sls.Hardware ?? {});
  const route = (method: string, path: string, handle: (request: SimRequest) => Reply): Route => ({
    method,
    pattern: SLS_BASE + path,
    goMux: true,
    handle,
  });
  return [
    // The real server answers null, not [], when it holds none.
    route("GET", "/networks", () => slsJson(200, nullIfEmpty(networks()))),
    route("GET", "/networks/:name", (request) => {
      // Exact and case-sensitive, like the real lookup: "can" is not "CAN".
      const network = Object.hasOwn(state.sls.Networks, request.params.name)
        ? state.sls.Networks[request.params.name]
        : undefined;
      return network === undefined
        ? slsProblem(404, `network ${request.params.name} not found`, request)
        : slsJson(200, network);
    }),
    route("PUT", "/networks/:name", (request) => putNetwork(state, request)),
    // Not implemented, and says nothing more.
    route("PATCH", "/networks/:name", () => ({ status: 501, headers: {}, text: "" })),
    route("GET", "/search/networks", (request) => {
      const result = search(networks(), request.query, NETWORK_FIELDS);
      // An unknown key fails inside the server's query building: a 500, not a 400.
      if (!result.ok) return slsProblem(500, `unknown field ${result.unknownKey}`, request);
      // ...and no match is a 404, not [].
      return result.matches.length === 0
        ? slsProblem(404, "no networks matched the search", request)
        : slsJson(200, result.matches);
    }),
    route("GET", "/hardware", () => slsJson(200, nullIfEmpty(hardware()))),
    route("GET", "/search/hardware", (request) => {
      // Keys it does not know are ignored beside known ones; with none known, a 400.
      const known = new URLSearchParams(
        [...request.query].filter(([key]) => HARDWARE_FIELDS(key) !== undefined),
      );
      if ([...known].length === 0) return slsProblem(400, "no search parameters given", request);
      const result = search(hardware(), known, HARDWARE_FIELDS);
      // ...and here 200 with a body of null, not [], when no hardware matches.
      return slsJson(200, result.ok ? nullIfEmpty(result.matches) : null);
    }),
    route("GET", "/dumpstate", () =>
      slsJson(200, { Hardware: state.sls.Hardware ?? {}, Networks: state.sls.Networks }),
    ),
    route("GET", "/version", () => slsJson(200, state.version)),
  ];
}

/** The network types SLS accepts. */
const NETWORK_TYPES = [
  "slingshot10",
  "slingshot11",
  "cassini",
  "ethernet",
  "opa",
  "infiniband",
  "mixed",
];

/** The top-level keys of SLS's Network struct: Go's JSON decoding drops any other. */
const NETWORK_KEYS = [
  "Name",
  "FullName",
  "IPRanges",
  "Type",
  "LastUpdated",
  "LastUpdatedTime",
  "ExtraProperties",
] as const;

/**
 * Upsert: 200 for create and update alike, no ETag, the URL name wins over the body's. Checks
 * only what the real server checks (the name, Type, the top-level IPRanges); anything inside
 * ExtraProperties, a malformed subnet CIDR or Gateway included, is stored as sent. The reply
 * echoes the body as decoded, the client's LastUpdated* included; the store keeps its own.
 */
function putNetwork(state: SimulatorState, request: SimRequest): Reply {
  const name = request.params.name;
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
  const sent: Record<string, unknown> = {};
  for (const key of NETWORK_KEYS) {
    if (Object.hasOwn(body, key)) sent[key] = (body as Record<string, unknown>)[key];
  }
  sent.Name = name;
  if (/\s/.test(name)) return slsProblem(400, "network name cannot contain spaces", request);
  if (typeof sent.Type !== "string" || !NETWORK_TYPES.includes(sent.Type)) {
    return slsProblem(400, `invalid network type ${JSON.stringify(sent.Type ?? "")}`, request);
  }
  // The real server dereferences the list before checking it: missing or null is a 500.
  const ranges: unknown = sent.IPRanges;
  if (!Array.isArray(ranges)) {
    return slsProblem(500, "failed to verify network: IPRanges is nil", request);
  }
  const badRange = (ranges as unknown[]).find((range) => !isCidr(range));
  if (badRange !== undefined) {
    return slsProblem(400, `invalid IP Range ${JSON.stringify(badRange)}`, request);
  }
  const now = new Date();
  // Rows come back in the order the database keeps them, which an update changes.
  delete state.sls.Networks[name];
  state.sls.Networks[name] = {
    ...(sent as unknown as SlsNetwork),
    LastUpdated: Math.floor(now.getTime() / 1000),
    LastUpdatedTime: goTimeString(now),
  };
  recordWrite(state, now);
  return slsJson(200, sent);
}

function isCidr(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const family = match === null ? 0 : isIP(match[1]);
  return family !== 0 && Number(match?.[2]) <= (family === 4 ? 32 : 128);
}

function nullIfEmpty<T>(items: T[]): T[] | null {
  return items.length === 0 ? null : items;
}

/** JSON as SLS writes it: every object's keys in alphabetical order (Go's map encoding). */
function slsJson(status: number, value: unknown): Reply {
  return jsonReply(status, sortedKeys(value));
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, sortedKeys(record[key])]),
  );
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

/** SLS's problem: `instance` is the path behind the gateway, /v1/..., not /apis/sls/v1/.... */
function slsProblem(status: number, detail: string, request: SimRequest): Reply {
  const instance = request.path.replace(/^\/apis\/sls/, "");
  return problemReply(status, detail, { type: SLS_ABOUT_BLANK, instance });
}

function present<T>(byName: Readonly<Record<string, T | undefined>>): T[] {
  return Object.values(byName).filter((value): value is T => value !== undefined);
}

/** Go's time.String() of a UTC time as SLS stores it: "2025-04-17 12:10:43.505 +0000 +0000". */
export function goTimeString(at: Date): string {
  const [date, time] = at.toISOString().slice(0, -1).split("T");
  return `${date} ${time.replace(/0+$/, "").replace(/\.$/, "")} +0000 +0000`;
}
