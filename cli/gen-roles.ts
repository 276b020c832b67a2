import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../core/errors";
import type { Log } from "../core/log";
import { buildRoleModel } from "../generator/model";
import { renderRoles } from "../generator/render";
import {
  applyWrite,
  checkCommittable,
  checkoutBranch,
  commitTree,
  describeWritePlan as describePlan,
  planWrite,
  renderDiff,
} from "../generator/write";
import type { LoadedConfig } from "./config";
import { loadInventory } from "./inventory";
import type { SourceSettings } from "./settings";

export interface GenRolesOptions {
  /** The checkout of uan-config-management (or any directory) to write into. */
  readonly out: string;
  /** Overwrite files uan-k3s did not write, or that were edited by hand. @default false */
  readonly force: boolean;
  /** Write nothing; fail (exit 1) when the tree would change. @default false */
  readonly check: boolean;
  /** Print the unified diff of what would change on stdout. @default false */
  readonly diff: boolean;
  /** Commit the result in the git checkout at `out` and print the SHA. @default false */
  readonly commit: boolean;
  /** With `commit`: the branch to commit on (created from HEAD if missing). */
  readonly branch?: string;
}

/** The pipeline: loadSls → buildInventory → buildRoleModel → renderRoles → writeTree. */
export async function runGenRoles(
  options: GenRolesOptions,
  settings: SourceSettings,
  config: LoadedConfig | undefined,
  log: Log,
  write: (text: string) => void,
): Promise<void> {
  if (options.branch !== undefined && !options.commit)
    throw new UserError("--branch goes with --commit");
  if (options.check && options.commit)
    throw new UserError("--check writes nothing, so it cannot go with --commit");
  const out = resolve(options.out);
  const inventory = await loadInventory(settings, config, log);
  const model = buildRoleModel(config?.data ?? {}, inventory, config?.path ?? "(defaults)");
  for (const warning of model.warnings) log.warn(warning);
  const files = renderRoles(model);

  const git = { log };
  if (options.branch !== undefined) await checkoutBranch(out, options.branch, git);
  const plan = planWrite(out, files);
  if (options.diff) write(renderDiff(out, plan));
  if (options.check) {
    if (!plan.changed) return log.info(`${out} is up to date`);
    throw new UserError(
      `${out} is out of date:\n${describePlan(plan).trimEnd()}`,
      "Run uan-k3s gen-roles without --check.",
    );
  }
  if (options.commit) await checkCommittable(out, plan, git);
  mkdirSync(out, { recursive: true });
  const result = applyWrite(out, plan, { force: options.force });
  log.info(
    `${out}: ${result.created.length} created, ${result.updated.length} updated, ` +
      `${result.removed.length} removed, ${result.unchanged.length} unchanged`,
  );
  if (options.commit) {
    const { sha, committed } = await commitTree(out, result, { ...git, branch: options.branch });
    log.info(committed ? `committed ${sha}` : `nothing to commit; HEAD is ${sha}`);
    write(`${sha}\n`);
  }
}
