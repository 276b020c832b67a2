import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { UserError } from "../../core/errors";
import { writeStdout, type Log } from "../../core/log";
import type { LoadedConfig } from "../config";
import { addSourceOptions, type FlagsFor } from "../flags";
import { addHelpFooter } from "../help";
import { commandLog } from "../output";
import { loadSettings, type SourceSettings } from "../settings";

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

type GenRolesFlags = FlagsFor<Omit<GenRolesOptions, "commit">, "out"> & {
  readonly gitCommit?: true;
  /** Deprecated spelling of --git-commit: --commit takes a SHA on cfs-layer. */
  readonly commit?: true;
};

/** `uan-k3s gen-roles`: the generated tree, written into a uan-config-management checkout. */
export function genRolesCommand(program: Command): Command {
  const command = addSourceOptions(
    program
      .command("gen-roles")
      .description("write k3s.yml, vars/ and the uan_* roles into a uan-config-management checkout")
      .requiredOption("--out <dir>", "the checkout (or directory) to write into")
      .option("--force", "overwrite files uan-k3s did not write or that were edited by hand")
      .option("--check", "write nothing; exit 1 if the tree would change")
      .option("--diff", "print a unified diff of what changes")
      .option("--git-commit", "commit the result in the checkout and print the SHA")
      .addOption(new Option("--commit").hideHelp())
      .option(
        "--branch <name>",
        "with --git-commit: the branch to commit on (e.g. integration-<version>)",
      ),
  ).action(async (flags: GenRolesFlags) => {
    const log = commandLog(flags, process.env);
    if (flags.commit === true) log.warn("--commit is deprecated here; use --git-commit");
    const { config, settings } = loadSettings(flags, process.env);
    await runGenRoles(
      {
        out: flags.out,
        force: flags.force === true,
        check: flags.check === true,
        diff: flags.diff === true,
        commit: flags.gitCommit === true || flags.commit === true,
        branch: flags.branch,
      },
      settings,
      config,
      log,
      writeStdout,
    );
  });
  return addHelpFooter(command, [
    "uan-k3s gen-roles --out uan-config-management",
    "uan-k3s gen-roles --out uan-config-management --check     # exit 1 if it would change",
    "uan-k3s gen-roles --out uan-config-management --git-commit --branch integration-2.6",
  ]);
}

/** The pipeline: loadSls → buildInventory → buildRoleModel → renderRoles → writeTree. */
async function runGenRoles(
  options: GenRolesOptions,
  settings: SourceSettings,
  config: LoadedConfig | undefined,
  log: Log,
  write: (text: string) => void,
): Promise<void> {
  if (options.branch !== undefined && !options.commit)
    throw new UserError("--branch goes with --git-commit");
  if (options.check && options.commit)
    throw new UserError("--check writes nothing, so it cannot go with --git-commit");
  // Loaded here, not at the top: `--version` and the other commands never need them.
  const { loadInventory } = await import("../inventory");
  const { buildRoleModel } = await import("../../generator/model");
  const { renderRoles } = await import("../../generator/render");
  const tree = await import("../../generator/write");

  const out = resolve(options.out);
  const inventory = await loadInventory(settings, config, log);
  const model = buildRoleModel(config?.data ?? {}, inventory, config?.path ?? "(defaults)");
  for (const warning of model.warnings) log.warn(warning);
  const files = renderRoles(model);

  const git = { log };
  if (options.branch !== undefined) await tree.checkoutBranch(out, options.branch, git);
  const plan = tree.planWrite(out, files);
  if (options.diff) write(tree.renderDiff(out, plan));
  if (options.check) {
    if (!plan.changed) return log.info(`${out} is up to date`);
    throw new UserError(
      `${out} is out of date:\n${tree.describeWritePlan(plan).trimEnd()}`,
      "Run uan-k3s gen-roles without --check.",
    );
  }
  if (options.commit) await tree.checkCommittable(out, plan, git);
  mkdirSync(out, { recursive: true });
  const result = tree.applyWrite(out, plan, { force: options.force });
  log.info(
    `${out}: ${result.created.length} created, ${result.updated.length} updated, ` +
      `${result.removed.length} removed, ${result.unchanged.length} unchanged`,
  );
  if (options.commit) {
    const { sha, committed } = await tree.commitTree(out, result, {
      ...git,
      branch: options.branch,
    });
    log.info(committed ? `committed ${sha}` : `nothing to commit; HEAD is ${sha}`);
    write(`${sha}\n`);
  }
}
