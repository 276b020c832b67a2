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
  /** Overwrite files uan-k3s did not write (HPE's originals), not hand edits. @default false */
  readonly takeOver: boolean;
  /** Where files overwritten by `force` or `takeOver` are copied first. @default "." */
  readonly backupDir?: string;
  /** Write nothing; fail (exit 1) when the tree would change. @default false */
  readonly check: boolean;
  /** Write nothing; print the unified diff of what would change on stdout. @default false */
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
      .option(
        "--take-over",
        "first run over a uan-config-management checkout: replace HPE's original files " +
          "(backed up first)",
      )
      .option(
        "--force",
        "overwrite files uan-k3s did not write or that were edited by hand (backed up first)",
      )
      .option(
        "--backup-dir <dir>",
        "where --take-over and --force copy what they overwrite (default: .)",
      )
      .option("--check", "write nothing; exit 1 if the tree would change")
      .option("--diff", "write nothing; print a unified diff of what would change")
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
        takeOver: flags.takeOver === true,
        backupDir: flags.backupDir,
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
  checkFlags(options);
  // Loaded here, not at the top: `--version` and the other commands never need them.
  const { loadInventory } = await import("../inventory");
  const { buildRoleModel, describeMetallbRange } = await import("../../generator/model");
  const { renderRoles } = await import("../../generator/render");
  const tree = await import("../../generator/write");

  const out = resolve(options.out);
  const inventory = await loadInventory(settings, config, log);
  const model = buildRoleModel(config?.data ?? {}, inventory, config?.path ?? "(defaults)");
  for (const warning of model.warnings) log.warn(warning);
  const range = describeMetallbRange(model.metallb, inventory);
  if (range !== undefined) log.info(range);
  const files = renderRoles(model);

  if (options.check || options.diff) {
    const plan = tree.planWrite(out, files);
    if (options.diff) write(tree.renderDiff(out, plan));
    if (!options.check) return;
    if (!plan.changed) return log.info(`${out} is up to date`);
    throw new UserError(
      `${out} is out of date:\n${tree.describeWritePlan(plan).trimEnd()}`,
      "Run uan-k3s gen-roles without --check.",
    );
  }

  for (const note of tree.recoverWrite(out)) log.info(note);
  const git = { log };
  const writeOptions = {
    force: options.force,
    takeOver: options.takeOver,
    backupDir: resolve(options.backupDir ?? "."),
  };
  // Everything that can refuse comes before the first change, a new git branch included.
  const early =
    options.branch === undefined
      ? tree.planWrite(out, files)
      : await tree.planForBranch(out, options.branch, files, git);
  tree.assertWritable(early, writeOptions, out);
  if (options.commit) await tree.checkCommittable(out, early, git);
  let plan = early;
  if (options.branch !== undefined) {
    await tree.checkoutBranch(out, options.branch, git);
    plan = tree.planWrite(out, files);
  }
  const result = tree.applyWrite(out, plan, writeOptions);
  log.info(
    `${out}: ${result.created.length} created, ${result.updated.length} updated, ` +
      `${result.removed.length} removed, ${result.unchanged.length} unchanged`,
  );
  if (result.backup !== undefined) {
    log.info(`the files overwritten or removed are saved as they were in ${result.backup}`);
  }
  if (options.commit) {
    const { sha, committed } = await tree.commitTree(out, result, {
      ...git,
      branch: options.branch,
    });
    log.info(committed ? `committed ${sha}` : `nothing to commit; HEAD is ${sha}`);
    write(`${sha}\n`);
  }
}

/** The flags that write, which --check and --diff (that only read) cannot go with. */
const WRITING_FLAGS = {
  commit: "--commit",
  force: "--force",
  takeOver: "--take-over",
  backupDir: "--backup-dir",
} as const;

function checkFlags(options: GenRolesOptions): void {
  if (options.branch !== undefined && !options.commit)
    throw new UserError("--branch goes with --git-commit");
  const readOnly = options.check ? "--check" : options.diff ? "--diff" : undefined;
  if (readOnly === undefined) return;
  for (const [key, flag] of Object.entries(WRITING_FLAGS)) {
    const value = options[key as keyof typeof WRITING_FLAGS];
    if (value !== undefined && value !== false) {
      throw new UserError(`${readOnly} writes nothing, so it cannot go with ${flag}`);
    }
  }
}
