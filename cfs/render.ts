import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import { UserError } from "../core/errors";
import { toPyYaml } from "../core/yaml";
import type { EnsurePlan } from "./ensure";
import { isJsonObject, ordered, toV3, withoutReadOnly, type JsonObject } from "./spelling";

/**
 * A configuration as JSON: 2-space indentation, a fixed key order (name, repository, playbook,
 * commit; other keys sorted), LF and a trailing newline. The same value gives the same bytes.
 */
export function configurationJson(configuration: object): string {
  return `${JSON.stringify(ordered(configuration), null, 2)}\n`;
}

/**
 * A unified diff of what a PUT of `after` changes in `before` (undefined: the configuration
 * does not exist yet), read-only fields left out of both. "" when nothing would change.
 */
export function diffConfigurations(
  before: object | undefined,
  after: object,
  name = "configuration",
): string {
  const oldText = before === undefined ? "" : configurationJson(withoutReadOnly(before));
  const newText = configurationJson(withoutReadOnly(after));
  if (oldText === newText) return "";
  return createTwoFilesPatch(
    before === undefined ? "/dev/null" : `a/${name}.json`,
    `b/${name}.json`,
    oldText,
    newText,
    undefined,
    undefined,
    { context: 3, headerOptions: FILE_HEADERS_ONLY },
  );
}

/**
 * The configuration as a `sat bootprep` input file's `configurations:` entry: layers as
 * `git: {url, commit | branch}` (or `source` with a branch), additional inventory as
 * `{url, commit | branch}`. YAML 1.1 for PyYAML. Refuses what the bootprep schema cannot say
 * rather than drop it: a source layer pinned to a commit, a source inventory, a tenant.
 */
export function bootprepYaml(name: string, configuration: object): string {
  const v3 = toV3(withoutReadOnly(configuration), "the configuration");
  if (v3.tenant_name !== undefined) {
    throw unsayable("tenant_name: sat bootprep creates configurations without a tenant");
  }
  const layers = Array.isArray(v3.layers) ? (v3.layers as JsonObject[]) : [];
  const entry: JsonObject = {
    name,
    ...(v3.description === undefined ? {} : { description: v3.description }),
    layers: layers.map((layer, index) => bootprepLayer(layer, index)),
    ...(isJsonObject(v3.additional_inventory)
      ? { additional_inventory: bootprepInventory(v3.additional_inventory) }
      : {}),
  };
  return toPyYaml({ configurations: [entry] }, { indentSeq: false });
}

function bootprepLayer(layer: JsonObject, index: number): JsonObject {
  const { name, playbook, clone_url: url, source, commit, branch } = layer;
  const head = {
    ...(name === undefined ? {} : { name }),
    ...(playbook === undefined ? {} : { playbook }),
  };
  const special =
    layer.special_parameters === undefined ? {} : { special_parameters: layer.special_parameters };
  if (source !== undefined) {
    if (branch === undefined) {
      throw unsayable(
        `/layers/${index}: a source layer at a commit (bootprep takes only a branch)`,
      );
    }
    return { ...head, source, branch, ...special };
  }
  return { ...head, git: { url, ...revision(commit, branch, `/layers/${index}`) }, ...special };
}

function bootprepInventory(inventory: JsonObject): JsonObject {
  if (inventory.source !== undefined) {
    throw unsayable("/additional_inventory: an inventory from a CFS source");
  }
  const { name, clone_url: url, commit, branch } = inventory;
  return {
    ...(name === undefined ? {} : { name }),
    url,
    ...revision(commit, branch, "/additional_inventory"),
  };
}

function revision(commit: unknown, branch: unknown, where: string): JsonObject {
  if (commit !== undefined && branch === undefined) return { commit };
  if (branch !== undefined && commit === undefined) return { branch };
  throw unsayable(
    `${where}: ${commit === undefined ? "neither commit nor branch" : "both commit and branch"}`,
  );
}

function unsayable(what: string): UserError {
  return new UserError(
    `sat bootprep's input schema cannot express ${what}`,
    "Use the configuration JSON instead (cray cfs v3 configurations update NAME --file FILE).",
  );
}

/** One line for the log: what the plan does to configuration `name`. */
export function describeEnsurePlan(plan: EnsurePlan, name: string): string {
  const { layer } = plan;
  const at = layer.commit === undefined ? `branch ${layer.branch}` : `commit ${layer.commit}`;
  const what = `layer ${layer.name} (${layer.playbook} at ${at})`;
  switch (plan.action) {
    case "create":
      return `creates CFS configuration ${name} with ${what}`;
    case "append":
      return `appends ${what} to CFS configuration ${name} as /layers/${plan.index}`;
    case "replace": {
      const old = plan.replaced?.name;
      const was = typeof old === "string" ? ` (${old})` : "";
      return `replaces /layers/${plan.index}${was} of CFS configuration ${name} with ${what}`;
    }
  }
}
