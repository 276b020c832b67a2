import { UserError } from "../core/errors";
import { readTextFile } from "../core/fs";
import { parseJson } from "../core/json";
import { printable } from "../core/text";
import { MAX_CONFIGURATION_NAME, type CfsApiVersion } from "./defaults";
import { isJsonObject, type JsonObject } from "./spelling";

/** The configuration the layer is ensured in, as it was found. */
export interface CfsBase {
  /** Either spelling, read-only fields included; undefined: it does not exist (will be created). */
  readonly configuration: JsonObject | undefined;
  /** For messages: the file, the URL, or "an empty configuration". */
  readonly origin: string;
}

/** The part of CsmClient that CFS needs; a seam for tests and for other transports. */
export interface CfsApi {
  readonly gateway: string;
  /** undefined for a 404. */
  getJsonIfPresent(path: string): Promise<unknown>;
  putJson(path: string, body: unknown): Promise<unknown>;
}

export const EMPTY_BASE: CfsBase = { configuration: undefined, origin: "an empty configuration" };

/** `/apis/cfs/v3/configurations/<name>`, the name URL-encoded. */
export function configurationPath(version: CfsApiVersion, name: string): string {
  return `/apis/cfs/${version}/configurations/${encodeURIComponent(name)}`;
}

/**
 * The configuration names uan-k3s sends: what CSM's own configurations use (uan-config-2.6.0,
 * management-23.7.0). The name is a URL path segment: `..`, `/`, `?`, `#`, `%` or a space would
 * change which URL is written (`--name ..` would PUT to /apis/cfs/v3/), so none may pass.
 */
export const CONFIGURATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Refuses a configuration name that CFS (or the gateway in front of it) would misread. */
export function checkConfigurationName(name: string, version: CfsApiVersion): void {
  if (!CONFIGURATION_NAME.test(name)) {
    throw new UserError(
      `configuration name ${JSON.stringify(printable(name))} is not a plain name: it must match ` +
        `${CONFIGURATION_NAME.source} (letters, digits, ".", "_" and "-", starting with a letter or digit)`,
      "Use the name `cray cfs v3 configurations list` shows, e.g. uan-config-2.6.0.",
    );
  }
  if (version === "v3" && name.length > MAX_CONFIGURATION_NAME) {
    throw new UserError(
      `configuration name ${JSON.stringify(name)} has ${name.length} characters; CFS v3 takes at most ${MAX_CONFIGURATION_NAME}`,
      "Choose a shorter configuration name.",
    );
  }
}

/**
 * A configuration from a file, as `cray cfs v3 configurations describe NAME --format json`
 * (or v2) prints it.
 */
export function readBaseFile(file: string): CfsBase {
  const data = parseJson(readTextFile(file, "base configuration"), file);
  return { configuration: checkShape(data, file), origin: file };
}

/** The configuration `name` as CFS holds it now; a 404 is a base that does not exist yet. */
export async function fetchConfiguration(
  api: CfsApi,
  name: string,
  version: CfsApiVersion,
): Promise<CfsBase> {
  checkConfigurationName(name, version);
  const path = configurationPath(version, name);
  const origin = api.gateway + path;
  const data = await api.getJsonIfPresent(path);
  return { configuration: data === undefined ? undefined : checkShape(data, origin), origin };
}

/** Just enough shape to work on; the schema checks the result before anything is written. */
function checkShape(data: unknown, origin: string): JsonObject {
  if (isJsonObject(data) && Array.isArray(data.configurations)) {
    throw new UserError(
      `${origin} holds a list of configurations, not one`,
      "Save one configuration: cray cfs v3 configurations describe NAME --format json > FILE.",
    );
  }
  if (!isJsonObject(data)) {
    throw new UserError(
      `${origin}: a CFS configuration must be a JSON object`,
      "Save it with: cray cfs v3 configurations describe NAME --format json > FILE.",
    );
  }
  const layers = data.layers;
  if (layers !== undefined && !(Array.isArray(layers) && layers.every(isJsonObject))) {
    throw new UserError(
      `${origin}: /layers must be a list of layer objects`,
      "Save the configuration again with cray cfs v3 configurations describe NAME --format json.",
    );
  }
  return data;
}
