import { UserError } from "../core/errors";
import { byCodeUnit } from "../core/order";
import type { CfsApiVersion } from "./defaults";

/** A JSON object as read from CFS or a file, before it is checked against a schema. */
export type JsonObject = Record<string, unknown>;

/**
 * v2 spells fields in camelCase, v3 in snake_case; CFS stores one configuration and shows it
 * in either. `additional_inventory` is snake_case in both.
 */
const V2_TO_V3 = {
  configuration: { lastUpdated: "last_updated" },
  layer: { cloneUrl: "clone_url", specialParameters: "special_parameters" },
  special: { imsRequireDkms: "ims_require_dkms" },
  inventory: { cloneUrl: "clone_url" },
} as const;

type Table = Readonly<Record<string, string>>;

const invert = (table: Table): Table =>
  Object.fromEntries(Object.entries(table).map(([v2, v3]) => [v3, v2]));

const V3_TO_V2 = {
  configuration: invert(V2_TO_V3.configuration),
  layer: invert(V2_TO_V3.layer),
  special: invert(V2_TO_V3.special),
  inventory: invert(V2_TO_V3.inventory),
};

/** Fields CFS sets itself; the real server refuses them in a PUT body. */
export const READ_ONLY_FIELDS = ["name", "last_updated", "lastUpdated"] as const;

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * `configuration` with v3 field names, whichever spelling it came in (a file may hold either).
 * Keys keep their order; a field spelled both ways is refused rather than guessed.
 */
export function toV3(configuration: JsonObject, origin: string): JsonObject {
  return respell(configuration, V2_TO_V3, origin);
}

/** `configuration` (v3 names) as the given API version spells it. */
export function toSpelling(configuration: JsonObject, version: CfsApiVersion): JsonObject {
  return version === "v3" ? configuration : respell(configuration, V3_TO_V2, "");
}

function respell(
  configuration: JsonObject,
  tables: { [K in keyof typeof V2_TO_V3]: Table },
  origin: string,
): JsonObject {
  const top = rename(configuration, tables.configuration, origin, "/");
  const { layers, additional_inventory: inventory } = top;
  if (Array.isArray(layers)) {
    top.layers = layers.map((layer: unknown, index) => {
      if (!isJsonObject(layer)) return layer;
      const renamed = rename(layer, tables.layer, origin, `/layers/${index}`);
      for (const key of ["special_parameters", "specialParameters"]) {
        const special = renamed[key];
        if (isJsonObject(special)) {
          renamed[key] = rename(special, tables.special, origin, `/layers/${index}/${key}`);
        }
      }
      return renamed;
    });
  }
  if (isJsonObject(inventory)) {
    top.additional_inventory = rename(inventory, tables.inventory, origin, "/additional_inventory");
  }
  return top;
}

function rename(object: JsonObject, table: Table, origin: string, where: string): JsonObject {
  const renamed: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    const name = Object.hasOwn(table, key) ? table[key] : key;
    if (Object.hasOwn(renamed, name)) {
      throw new UserError(
        `${origin}: ${where} has both ${key} and ${name}, the same field in v2 and v3 spelling`,
        "Keep one of them: v2 spells fields in camelCase (cloneUrl), v3 in snake_case (clone_url).",
      );
    }
    renamed[name] = value;
  }
  return renamed;
}

/** A copy without the fields CFS sets itself (name, last_updated / lastUpdated). */
export function withoutReadOnly(configuration: object): JsonObject {
  const copy: JsonObject = { ...configuration };
  for (const field of READ_ONLY_FIELDS) delete copy[field];
  return copy;
}

const CONFIGURATION_ORDER = [
  "name",
  "description",
  "tenant_name",
  "layers",
  "additional_inventory",
  "last_updated",
  "lastUpdated",
];
const LAYER_ORDER = [
  "name",
  "clone_url",
  "cloneUrl",
  "source",
  "playbook",
  "commit",
  "branch",
  "special_parameters",
  "specialParameters",
];

/**
 * A copy with a fixed key order: known fields in the order admins read them (name, repository,
 * playbook, commit), anything else after them sorted by code unit, nested values sorted too.
 * JSON.stringify of two ordered configurations is equal exactly when they are.
 */
export function ordered(configuration: object): JsonObject {
  const top = orderKeys(configuration as JsonObject, CONFIGURATION_ORDER);
  if (Array.isArray(top.layers)) {
    top.layers = top.layers.map((layer: unknown) =>
      isJsonObject(layer) ? orderKeys(layer, LAYER_ORDER) : sortedDeep(layer),
    );
  }
  if (isJsonObject(top.additional_inventory)) {
    top.additional_inventory = orderKeys(top.additional_inventory, LAYER_ORDER);
  }
  return top;
}

/** Known keys first in `order`, the rest sorted; values below are sorted deeply. */
function orderKeys(object: JsonObject, order: readonly string[]): JsonObject {
  const rank = (key: string): number => {
    const index = order.indexOf(key);
    return index === -1 ? order.length : index;
  };
  const keys = Object.keys(object).sort((a, b) => rank(a) - rank(b) || byCodeUnit(a, b));
  return Object.fromEntries(keys.map((key) => [key, sortedDeep(object[key])]));
}

function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (!isJsonObject(value)) return value;
  return orderKeys(value, []);
}

/** Whether two configurations hold the same fields and values, whatever their key order. */
export function sameConfiguration(a: object, b: object): boolean {
  return JSON.stringify(ordered(a)) === JSON.stringify(ordered(b));
}
