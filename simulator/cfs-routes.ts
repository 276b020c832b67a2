import { ABOUT_BLANK, jsonReply, type Reply } from "./reply";
import type { Route, SimRequest } from "./router";
import type { CfsConfigurations } from "./state";

export const CFS_BASE = "/apis/cfs";

/**
 * What the simulated CFS stores for a layer given only a branch. The real server clones the
 * repository and resolves the branch to its head commit; the simulator has no VCS, so every
 * branch resolves to this value. Like the real server it keeps the branch beside the commit.
 */
export const FAKE_BRANCH_COMMIT = "decafbaddecafbaddecafbaddecafbaddecafbad";

type Version = "v2" | "v3";
type Json = Record<string, unknown>;

/** One field: its v3 name, its v2 name (none: v3 only), and what connexion checks. */
interface Field {
  readonly v3: string;
  readonly v2?: string;
  readonly type: "string" | "boolean" | "object" | "array";
  readonly pattern?: RegExp;
  readonly maxLength?: number;
  readonly readOnly?: true;
  /** For objects, and for the items of arrays. */
  readonly fields?: readonly Field[];
  /** For objects and items: required fields by version. */
  readonly required?: Partial<Record<Version, readonly string[]>>;
}

const TEXT = /^[^\s;]*$/;
const COMMIT = /^[a-f0-9]{40}$/;

const LAYER: readonly Field[] = [
  { v3: "name", v2: "name", type: "string", maxLength: 45 },
  { v3: "clone_url", v2: "cloneUrl", type: "string", pattern: TEXT },
  { v3: "source", type: "string" },
  { v3: "playbook", v2: "playbook", type: "string", pattern: TEXT },
  { v3: "commit", v2: "commit", type: "string", pattern: COMMIT },
  { v3: "branch", v2: "branch", type: "string", pattern: TEXT },
  {
    v3: "special_parameters",
    v2: "specialParameters",
    type: "object",
    fields: [{ v3: "ims_require_dkms", v2: "imsRequireDkms", type: "boolean" }],
  },
];

const INVENTORY: readonly Field[] = LAYER.filter(
  (field) => !["playbook", "special_parameters"].includes(field.v3),
);

const CONFIGURATION: readonly Field[] = [
  { v3: "name", v2: "name", type: "string", readOnly: true },
  { v3: "description", v2: "description", type: "string" },
  { v3: "tenant_name", type: "string" },
  { v3: "last_updated", v2: "lastUpdated", type: "string", readOnly: true },
  {
    v3: "layers",
    v2: "layers",
    type: "array",
    fields: LAYER,
    required: { v3: ["playbook"], v2: ["cloneUrl"] },
  },
  {
    v3: "additional_inventory",
    v2: "additional_inventory",
    type: "object",
    fields: INVENTORY,
    required: { v2: ["cloneUrl"] },
  },
];

/**
 * CFS configurations (v2 and v3) as the real service behaves: connexion's schema checks
 * (additionalProperties false, patterns, read-only fields refused), then the controller's
 * (branch with commit, clone_url with source, two layers with one repository and playbook).
 * One store in v3 spelling, shown in camelCase through v2. No tenants, no sources, no
 * components (so DELETE never finds a configuration in use).
 */
export function cfsRoutes(state: CfsConfigurations): Route[] {
  const routes: Route[] = [];
  for (const version of ["v2", "v3"] as const) {
    const base = `${CFS_BASE}/${version}/configurations`;
    const route = (
      method: string,
      pattern: string,
      handle: (request: SimRequest) => Reply,
    ): Route => ({ method, pattern, handle });
    routes.push(
      route("GET", base, (request) => listConfigurations(state, version, request)),
      route("GET", `${base}/:name`, (request) => {
        const stored = state.configurations.get(request.params.name);
        return stored === undefined ? notFound(request) : jsonReply(200, shown(stored, version));
      }),
      route("PUT", `${base}/:name`, (request) => putConfiguration(state, version, request)),
      route("DELETE", `${base}/:name`, (request) => {
        if (!state.configurations.delete(request.params.name)) return notFound(request);
        return { status: 204, headers: {}, text: "" };
      }),
    );
  }
  return routes;
}

function listConfigurations(
  state: CfsConfigurations,
  version: Version,
  request: SimRequest,
): Reply {
  const names = [...state.configurations.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const all = names.map((name) => shown(state.configurations.get(name) as Json, version));
  if (version === "v2") return jsonReply(200, all);
  const afterId = request.query.get("after_id") ?? "";
  const limitText = request.query.get("limit");
  const limit = limitText === null ? Infinity : Number(limitText);
  if (!(limit >= 1))
    return badRequest(request, `${limitText} is less than the minimum of 1 - 'limit'`);
  const start = afterId === "" ? 0 : names.filter((name) => name <= afterId).length;
  const page = all.slice(start, start + limit);
  const more = start + limit < all.length;
  return jsonReply(200, {
    configurations: page,
    next: more ? { limit, after_id: names[start + limit - 1] } : null,
  });
}

function putConfiguration(state: CfsConfigurations, version: Version, request: SimRequest): Reply {
  const name = request.params.name;
  if (version === "v3" && name.length > 60) {
    return badRequest(request, `'${name}' is too long - 'configuration_id'`);
  }
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch (error) {
    return problem(400, "Error parsing the data provided.", (error as Error).message, request);
  }
  const invalid = checkObject(body, CONFIGURATION, {}, version, "");
  if (invalid !== undefined) return badRequest(request, invalid);
  const data = stored(body as Json, version);
  const layers = (data.layers ?? []) as Json[];
  const inventory = data.additional_inventory as Json | undefined;
  for (const layer of inventory === undefined ? layers : [...layers, inventory]) {
    if (version === "v3" && "clone_url" in layer === "source" in layer) {
      return problem(
        400,
        "Error handling source",
        "clone_url" in layer
          ? "Only source or clone_url should be specified for each layer, not both."
          : "Either source or clone_url must be specified for each layer.",
        request,
      );
    }
    if (typeof layer.source === "string") {
      return problem(
        400,
        "Source does not exist",
        `The source ${layer.source} does not exist.`,
        request,
      );
    }
    if ("branch" in layer && "commit" in layer) {
      return problem(
        400,
        "Error handling branches",
        "Only branch or commit should be specified for each layer, not both.",
        request,
      );
    }
  }
  // The real server resolves each branch to its head commit here, and keeps the branch.
  for (const layer of inventory === undefined ? layers : [...layers, inventory]) {
    if (typeof layer.branch === "string") layer.commit = FAKE_BRANCH_COMMIT;
  }
  const keys = new Set<string>();
  for (const layer of layers) {
    const key = JSON.stringify([layer.clone_url ?? layer.source, layer.playbook]);
    if (keys.has(key)) {
      return problem(
        400,
        "Error with conflicting layers",
        "Two or more layers apply the same playbook from the same repo, but have different commit ids.",
        request,
      );
    }
    keys.add(key);
  }
  data.last_updated = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  data.name = name;
  state.configurations.set(name, data);
  return jsonReply(200, shown(data, version));
}

/** The first thing connexion would complain about, as `'layers.0.commit': ...`; undefined if none. */
function checkObject(
  value: unknown,
  fields: readonly Field[],
  required: Partial<Record<Version, readonly string[]>>,
  version: Version,
  path: string,
): string | undefined {
  const where = path === "" ? "" : ` - '${path}'`;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return `${JSON.stringify(value)} is not of type 'object'${where}`;
  }
  const object = value as Json;
  for (const key of required[version] ?? []) {
    if (!(key in object)) return `'${key}' is a required property${where}`;
  }
  for (const [key, item] of Object.entries(object)) {
    const field = fields.find((candidate) => candidate[version] === key);
    const at = path === "" ? key : `${path}.${key}`;
    if (field === undefined) {
      return `Additional properties are not allowed ('${key}' was unexpected)${where}`;
    }
    if (field.readOnly === true) return `Property is read-only - '${at}'`;
    const invalid = checkValue(item, field, version, at);
    if (invalid !== undefined) return invalid;
  }
  return undefined;
}

function checkValue(
  value: unknown,
  field: Field,
  version: Version,
  at: string,
): string | undefined {
  const shownValue = JSON.stringify(value);
  switch (field.type) {
    case "string":
      if (typeof value !== "string") return `${shownValue} is not of type 'string' - '${at}'`;
      if (field.pattern !== undefined && !field.pattern.test(value)) {
        return `${shownValue} does not match '${field.pattern.source}' - '${at}'`;
      }
      if (field.maxLength !== undefined && value.length > field.maxLength) {
        return `${shownValue} is too long - '${at}'`;
      }
      return undefined;
    case "boolean":
      return typeof value === "boolean"
        ? undefined
        : `${shownValue} is not of type 'boolean' - '${at}'`;
    case "object":
      return checkObject(value, field.fields ?? [], field.required ?? {}, version, at);
    case "array":
      if (!Array.isArray(value)) return `${shownValue} is not of type 'array' - '${at}'`;
      for (const [index, item] of value.entries()) {
        const invalid = checkObject(
          item,
          field.fields ?? [],
          field.required ?? {},
          version,
          `${at}.${index}`,
        );
        if (invalid !== undefined) return invalid;
      }
      return undefined;
  }
}

/** A checked body in v3 spelling, the form CFS stores. */
function stored(body: Json, version: Version): Json {
  return respell(body, CONFIGURATION, version, "v3") as Json;
}

/** A stored configuration as `version` shows it; v2 leaves out what it has no name for. */
function shown(data: Json, version: Version): Json {
  return respell(data, CONFIGURATION, "v3", version) as Json;
}

function respell(value: unknown, fields: readonly Field[], from: Version, to: Version): unknown {
  if (Array.isArray(value)) return value.map((item) => respell(item, fields, from, to));
  if (value === null || typeof value !== "object") return value;
  const result: Json = {};
  for (const [key, item] of Object.entries(value as Json)) {
    const field = fields.find((candidate) => candidate[from] === key);
    const name = field?.[to];
    if (field === undefined || name === undefined) continue;
    result[name] = field.fields === undefined ? item : respell(item, field.fields, from, to);
  }
  return result;
}

function notFound(request: SimRequest): Reply {
  return problem(
    404,
    "Configuration not found",
    `Configuration ${request.params.name} could not be found`,
    request,
  );
}

function badRequest(request: SimRequest, detail: string): Reply {
  return problem(400, "Bad Request", detail, request);
}

/** What connexion.problem() sends: about:blank, the controller's own title, no instance. */
function problem(status: number, title: string, detail: string, _request: SimRequest): Reply {
  return {
    status,
    headers: { "content-type": "application/problem+json" },
    text: JSON.stringify({ type: ABOUT_BLANK, title, detail, status }),
  };
}
