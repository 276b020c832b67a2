import { isUserError, UserError } from "../core/errors";
import type { Log } from "../core/log";
import { validate } from "../core/validate";
import type { CfsConfigurationV2 } from "../schemas/generated/cfs-configuration-v2";
import type { CfsConfigurationV3, CfsLayerV3 } from "../schemas/generated/cfs-configuration-v3";
import type { CfsBase } from "./base";
import type { CfsApiVersion } from "./defaults";
import { branchNeedsV3, repoPath } from "./layer";
import {
  isJsonObject,
  ordered,
  toSpelling,
  toV3,
  withoutReadOnly,
  type JsonObject,
} from "./spelling";

/**
 * What to do with a layer that carries both a branch and a commit. CFS stores both when it is
 * given a branch (it resolves the commit and keeps the branch), but refuses both in a PUT: such
 * a layer cannot be written back as it was read. "commit" keeps exactly what runs now; "branch"
 * lets CFS resolve the branch again, which may move the layer to newer content.
 */
export type ResolvedBranches = "commit" | "branch";

export interface EnsureOptions {
  /** The spelling of the body to PUT. */
  readonly apiVersion: CfsApiVersion;
  /** @default "commit" */
  readonly resolvedBranches?: ResolvedBranches;
  /** Where the layers that lost their branch (or commit) are named. */
  readonly log: Log;
}

/** The configuration with the layer ensured in it, checked, ready to show or PUT. */
export interface EnsurePlan {
  readonly apiVersion: CfsApiVersion;
  /** The body of the PUT: no read-only fields, the API version's spelling, stable key order. */
  readonly body: CfsConfigurationV2 | CfsConfigurationV3;
  /** The ensured layer, in v3 spelling. */
  readonly layer: CfsLayerV3;
  /** Its position in body.layers. */
  readonly index: number;
  /** "create": the base did not exist; "replace": a layer with its repository and playbook was. */
  readonly action: "create" | "replace" | "append";
  /** The layer that was at `index` before a "replace", in v3 spelling. */
  readonly replaced?: JsonObject;
  /** Where the base came from, for messages. */
  readonly origin: string;
}

/**
 * cfs-config-util's "ensure": the layer replaces, in place, the one layer that runs the same
 * playbook from the same repository (by URL path, whatever the host); otherwise it is appended.
 * Every other layer, the description and the additional inventory are kept. The result is
 * checked against the schema of its API version, and for repeated repository + playbook pairs,
 * before anything can be written.
 */
export function ensureLayer(base: CfsBase, layer: CfsLayerV3, options: EnsureOptions): EnsurePlan {
  // buildLayer refuses this when told the version; a layer built for v3 may still come here.
  if (options.apiVersion === "v2" && layer.branch !== undefined) throw branchNeedsV3(layer.branch);
  const current: JsonObject =
    base.configuration === undefined
      ? { layers: [] }
      : putForm(base.configuration, base.origin, options.resolvedBranches ?? "commit", options.log);
  const layers = (current.layers ?? []) as JsonObject[];
  const matches = layers
    .map((existing, index) => ({ existing, index }))
    .filter(({ existing }) => sameRepoAndPlaybook(existing, layer));
  if (matches.length > 1) {
    throw new UserError(
      `${base.origin}: layers ${matches.map(({ index }) => `/layers/${index}`).join(", ")} all run ` +
        `${layer.playbook} from ${repoPath(layer.clone_url ?? "")}; cannot tell which one to replace`,
      "Remove all but one of them from the base configuration, then run again.",
    );
  }
  const [match] = matches;
  const index = match === undefined ? layers.length : match.index;
  const next = [...layers];
  next.splice(index, match === undefined ? 0 : 1, { ...layer });
  const origin = `the configuration to write (from ${base.origin})`;
  const body = checkConfiguration(
    ordered(toSpelling({ ...current, layers: next }, options.apiVersion)),
    options.apiVersion,
    origin,
  );
  return {
    apiVersion: options.apiVersion,
    body,
    layer,
    index,
    action:
      base.configuration === undefined ? "create" : match === undefined ? "append" : "replace",
    ...(match === undefined ? {} : { replaced: match.existing }),
    origin: base.origin,
  };
}

/**
 * A configuration as read (either spelling, read-only fields and all) in the form a PUT
 * accepts, v3 spelling: read-only fields dropped, and each layer that CFS stored with both a
 * branch and a commit reduced to one of them (warned about, naming the layers).
 */
export function putForm(
  configuration: JsonObject,
  origin: string,
  resolvedBranches: ResolvedBranches,
  log: Log,
): JsonObject {
  const current = toV3(withoutReadOnly(configuration), origin);
  const reduced: string[] = [];
  const reduce = (layer: unknown, where: string): unknown => {
    if (!isJsonObject(layer) || layer.branch === undefined || layer.commit === undefined) {
      return layer;
    }
    reduced.push(typeof layer.name === "string" ? `${where} (${layer.name})` : where);
    const { branch, commit, ...rest } = layer;
    return resolvedBranches === "commit" ? { ...rest, commit } : { ...rest, branch };
  };
  if (Array.isArray(current.layers)) {
    current.layers = current.layers.map((layer, index) => reduce(layer, `/layers/${index}`));
  }
  if (current.additional_inventory !== undefined) {
    current.additional_inventory = reduce(current.additional_inventory, "/additional_inventory");
  }
  if (reduced.length > 0) {
    log.warn(
      `${origin}: ${reduced.join(", ")} ${reduced.length === 1 ? "carries" : "carry"} both a ` +
        "branch and the commit CFS resolved it to, " +
        `which CFS refuses in a PUT; ${
          resolvedBranches === "commit"
            ? "kept the commit (the content that runs now) and dropped the branch"
            : "kept the branch (CFS resolves it again) and dropped the commit"
        }`,
    );
  }
  return current;
}

/** Same repository (URL path) and same playbook; CFS runs site.yml when none is named. */
function sameRepoAndPlaybook(existing: JsonObject, layer: CfsLayerV3): boolean {
  return (
    typeof existing.clone_url === "string" &&
    layer.clone_url !== undefined &&
    repoPath(existing.clone_url) === repoPath(layer.clone_url) &&
    (existing.playbook ?? "site.yml") === layer.playbook
  );
}

/**
 * `body` typed, if it matches the schema of its API version and no two layers run the same
 * playbook from the same repository (which CFS refuses and JSON Schema cannot express). Every
 * problem is listed with its JSON path.
 */
export function checkConfiguration(
  body: JsonObject,
  version: CfsApiVersion,
  origin: string,
): CfsConfigurationV2 | CfsConfigurationV3 {
  const schema = `cfs-configuration-${version}.schema.json`;
  const problems: string[] = [];
  try {
    validate<CfsConfigurationV2 | CfsConfigurationV3>(body, schema, origin);
  } catch (error) {
    if (!isUserError(error)) throw error;
    problems.push(error.message);
  }
  problems.push(...repeatedLayers(body).map((problem) => `${origin}: ${problem}`));
  if (problems.length > 0) {
    throw new UserError(
      problems.join("\n"),
      `CFS would refuse this configuration (schemas/${schema}); fix the base configuration or ` +
        `the layer options. Fields only v3 has (source, tenant_name) need API version v3.`,
    );
  }
  return body as unknown as CfsConfigurationV2 | CfsConfigurationV3;
}

/** "/layers/3 runs site.yml from /vcs/cray/cos-config-management, like /layers/1". */
function repeatedLayers(body: JsonObject): string[] {
  const layers = Array.isArray(body.layers) ? body.layers : [];
  const seen = new Map<string, number>();
  const problems: string[] = [];
  layers.forEach((layer: unknown, index) => {
    if (!isJsonObject(layer)) return;
    const url = layer.clone_url ?? layer.cloneUrl;
    const repo =
      typeof url === "string"
        ? repoPath(url)
        : typeof layer.source === "string"
          ? `source ${layer.source}`
          : undefined;
    if (repo === undefined) return;
    const playbook = typeof layer.playbook === "string" ? layer.playbook : "site.yml";
    const key = JSON.stringify([repo, playbook]);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      problems.push(`/layers/${index} runs ${playbook} from ${repo} again, like /layers/${first}`);
  });
  return problems;
}
