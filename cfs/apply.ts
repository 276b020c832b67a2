import { isUserError, UserError } from "../core/errors";
import type { Log } from "../core/log";
import { checkConfigurationName, configurationPath, type CfsApi, type CfsBase } from "./base";
import { backupConfigurationName, writeConfigurationBackup } from "./backup";
import type { CfsApiVersion } from "./defaults";
import { putForm, type EnsurePlan } from "./ensure";
import { repoPath } from "./layer";
import {
  isJsonObject,
  ordered,
  sameConfiguration,
  toSpelling,
  toV3,
  withoutReadOnly,
  type JsonObject,
} from "./spelling";

export interface ApplyConfigurationOptions {
  /** Where the local backup of the configuration as it was goes (created, mode 0700). */
  readonly backupDir: string;
  /** Also save it in CFS, as `<name>-backup-<YYYYmmddTHHMMSS>`. @default false */
  readonly backupInCfs?: boolean;
  readonly log: Log;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface ApplyConfigurationResult {
  /** "unchanged": CFS already held exactly the planned body; nothing was written. */
  readonly outcome: "created" | "updated" | "unchanged";
  /** The local backup; undefined when nothing was written or there was nothing to back up. */
  readonly backupFile?: string;
  /** The backup configuration in CFS, when one was made. */
  readonly backupConfiguration?: string;
  /** What CFS holds now, as it answered a fresh GET. */
  readonly stored: JsonObject;
}

const SILENT: Log = { warn: () => undefined, info: () => undefined };

/**
 * Writes the planned configuration to CFS as `name`, after the caller has shown the diff from
 * `read`: what `fetchConfiguration(api, name, plan.apiVersion)` returned then, even when the
 * plan's base came from a file (the diff must be against what the PUT replaces). In order: re-read and refuse if anything
 * changed since `read`; stop if CFS already holds the body; back the configuration up (a 0600
 * file, and optionally a configuration in CFS) in the form a PUT accepts; re-read once more
 * right before the PUT; PUT; read back and check the layer's commit or branch, playbook and
 * position. CFS has no ETag: a write between the last read and the PUT cannot be detected.
 */
export async function applyConfiguration(
  api: CfsApi,
  name: string,
  read: CfsBase,
  plan: EnsurePlan,
  options: ApplyConfigurationOptions,
): Promise<ApplyConfigurationResult> {
  const version = plan.apiVersion;
  checkConfigurationName(name, version);
  const { log } = options;
  const path = configurationPath(version, name);
  const url = api.gateway + path;
  if (read.origin !== url) {
    throw new Error(`applyConfiguration: read came from ${read.origin}, not from ${url}`);
  }

  const current = await fetch(api, path);
  checkUnchangedSince(read.configuration, current, name);
  if (current !== undefined && sameConfiguration(withoutReadOnly(current), plan.body)) {
    log.info(`CFS configuration ${name} already holds this layer; unchanged, nothing written`);
    return { outcome: "unchanged", stored: current };
  }

  const at = (options.now ?? (() => new Date()))();
  let backupFile: string | undefined;
  let backupConfiguration: string | undefined;
  if (current === undefined) {
    log.info(`CFS configuration ${name} does not exist yet; nothing to back up`);
  } else {
    // Always pinned to commits: a restore must bring back exactly what ran.
    const saved = ordered(toSpelling(putForm(current, url, "commit", SILENT), version));
    backupFile = writeConfigurationBackup(options.backupDir, name, saved, at);
    log.info(`saved CFS configuration ${name} as it was to ${backupFile}`);
    if (options.backupInCfs === true) {
      backupConfiguration = await putBackup(api, name, saved, at, version);
      log.info(`saved CFS configuration ${name} as it was in CFS as ${backupConfiguration}`);
    }
  }
  const restore = restoreHint(name, version, backupFile, backupConfiguration);

  checkUnchangedSince(read.configuration, await fetch(api, path), name, restore);
  try {
    await api.putJson(path, plan.body);
  } catch (error) {
    if (!isUserError(error)) throw error;
    throw new UserError(`writing CFS configuration ${name} failed: ${error.message}`, restore, {
      cause: error,
    });
  }

  const stored = await fetch(api, path);
  if (stored === undefined) {
    throw new UserError(`CFS has no configuration ${name} right after the PUT`, restore);
  }
  const problems = layerProblems(stored, plan);
  if (problems.length > 0) {
    throw new UserError(
      `CFS configuration ${name} does not hold the layer as written: ${problems.join("; ")}`,
      restore,
    );
  }
  if (!sameConfiguration(withoutResolvedCommits(stored, plan), plan.body)) {
    log.warn(
      `CFS stored configuration ${name} with other changes than the ones sent; ` +
        `compare with \`cray cfs ${version} configurations describe ${name}\``,
    );
  }
  log.info(`${current === undefined ? "created" : "updated"} CFS configuration ${name}`);
  return {
    outcome: current === undefined ? "created" : "updated",
    ...(backupFile === undefined ? {} : { backupFile }),
    ...(backupConfiguration === undefined ? {} : { backupConfiguration }),
    stored,
  };
}

async function fetch(api: CfsApi, path: string): Promise<JsonObject | undefined> {
  const data = await api.getJsonIfPresent(path);
  if (data === undefined || isJsonObject(data)) return data;
  throw new UserError(`${api.gateway}${path} answered something that is not a configuration`);
}

/** Refuses to go on when the configuration changed (content, or existence) since `read`. */
function checkUnchangedSince(
  read: JsonObject | undefined,
  now: JsonObject | undefined,
  name: string,
  hint = "Nothing was written. Run again to see the diff against what CFS holds now.",
): void {
  const same =
    read === undefined || now === undefined
      ? read === now
      : sameConfiguration(withoutReadOnly(read), withoutReadOnly(now));
  if (same) return;
  const what =
    read === undefined
      ? "was created"
      : now === undefined
        ? "was deleted"
        : "was changed by someone else";
  throw new UserError(`CFS configuration ${name} ${what} since it was read`, hint);
}

/** PUTs the backup under a free `<name>-backup-<stamp>` name and returns that name. */
async function putBackup(
  api: CfsApi,
  name: string,
  saved: JsonObject,
  at: Date,
  version: CfsApiVersion,
): Promise<string> {
  let candidate = backupConfigurationName(name, at, version);
  for (
    let copy = 2;
    (await api.getJsonIfPresent(configurationPath(version, candidate))) !== undefined;
    copy += 1
  ) {
    candidate = backupConfigurationName(name, at, version, copy);
  }
  try {
    await api.putJson(configurationPath(version, candidate), saved);
  } catch (error) {
    if (!isUserError(error)) throw error;
    throw new UserError(
      `saving the backup configuration ${candidate} in CFS failed: ${error.message}`,
      `Configuration ${name} was not changed; its backup file is written. Run again, or without --backup-in-cfs.`,
      { cause: error },
    );
  }
  return candidate;
}

/** What is wrong with the ensured layer as CFS stores it; empty when it is as planned. */
function layerProblems(stored: JsonObject, plan: EnsurePlan): string[] {
  const layers = toV3(withoutReadOnly(stored), "CFS").layers;
  const expected = plan.body.layers.length;
  const problems: string[] = [];
  if (!Array.isArray(layers) || layers.length !== expected) {
    problems.push(`${Array.isArray(layers) ? layers.length : "no"} layers instead of ${expected}`);
  }
  const layer: unknown = Array.isArray(layers) ? layers[plan.index] : undefined;
  if (!isJsonObject(layer)) return [...problems, `no layer at /layers/${plan.index}`];
  const want = plan.layer;
  const differs = (field: string, value: unknown): void => {
    if (layer[field] !== value) {
      problems.push(
        `/layers/${plan.index}/${field} is ${JSON.stringify(layer[field]) ?? "absent"}, not ${JSON.stringify(value)}`,
      );
    }
  };
  differs("name", want.name);
  differs("playbook", want.playbook);
  if (
    typeof layer.clone_url !== "string" ||
    repoPath(layer.clone_url) !== repoPath(want.clone_url ?? "")
  ) {
    differs("clone_url", want.clone_url);
  }
  if (want.commit !== undefined) differs("commit", want.commit);
  if (want.branch !== undefined) differs("branch", want.branch);
  return problems;
}

/**
 * `stored` without read-only fields and without the commit CFS added to each layer the body
 * gave only a branch: what should equal the body after a good write.
 */
function withoutResolvedCommits(stored: JsonObject, plan: EnsurePlan): JsonObject {
  const copy = withoutReadOnly(stored);
  const sent: readonly object[] = plan.body.layers;
  if (Array.isArray(copy.layers)) {
    copy.layers = copy.layers.map((layer: unknown, index) => {
      const mine = sent[index];
      if (!isJsonObject(layer) || mine === undefined || "commit" in mine) return layer;
      const { commit: _resolved, ...rest } = layer;
      return rest;
    });
  }
  return copy;
}

function restoreHint(
  name: string,
  version: CfsApiVersion,
  backupFile: string | undefined,
  backupConfiguration: string | undefined,
): string {
  const cray = `cray cfs ${version} configurations`;
  if (backupFile === undefined) {
    return (
      `${name} did not exist before. See what CFS holds with \`${cray} describe ${name}\`; ` +
      `remove a half-made one with \`${cray} delete ${name}\`.`
    );
  }
  const inCfs = backupConfiguration === undefined ? "" : ` and in CFS as ${backupConfiguration}`;
  return (
    `The configuration as it was is saved in ${backupFile}${inCfs}. See what CFS holds with ` +
    `\`${cray} describe ${name}\`; restore it with \`${cray} update ${name} --file ${backupFile}\`.`
  );
}
