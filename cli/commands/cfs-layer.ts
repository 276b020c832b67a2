import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { UserError } from "../../core/errors";
import { writeFileAtomic } from "../../core/fs";
import { writeStdout, type Log } from "../../core/log";
import { checkCleartext } from "../../core/secrets";
import type { CfsApiVersion, CfsBase, RevisionSource } from "../../cfs";
import { addSourceOptions, type FlagsFor } from "../flags";
import { addHelpFooter } from "../help";
import { commandLog } from "../output";
import { loadSettings, type SourceSettings } from "../settings";
import { cfsClient } from "../sources";

export interface CfsLayerOptions {
  /** Exactly one of these three says which commit the layer runs. */
  readonly commit?: string;
  readonly repo?: string;
  readonly branch?: string;
  /** With `repo`: use HEAD though tracked files are modified. @default false */
  readonly allowDirty: boolean;
  /** Send the branch and let CFS resolve it (v3 only). @default false */
  readonly keepBranch: boolean;
  readonly layerName?: string;
  readonly cloneUrl?: string;
  readonly playbook?: string;
  /** @default "v3" */
  readonly api: CfsApiVersion;
  readonly baseFile?: string;
  readonly baseName?: string;
  /** @default "json" */
  readonly format: "json" | "bootprep";
  /** Write what is printed to this file instead of stdout. */
  readonly output?: string;
  /** Write the configuration `name` to CFS; a dry run with a diff unless `yes`. */
  readonly apply: boolean;
  readonly name?: string;
  readonly yes: boolean;
  /** Create configuration `name` when CFS has none by that name. @default false */
  readonly create: boolean;
  /**
   * Apply a commit not known to be on the VCS remote (CFS cannot check out one it lacks): with
   * `repo`, one on no remote branch; with `commit`, any (it cannot be checked). @default false
   */
  readonly force: boolean;
  readonly backupInCfs: boolean;
  readonly backupDir?: string;
  /** VCS credentials file (else VCS_USERNAME / VCS_PASSWORD). */
  readonly vcsCredentials?: string;
}

type CfsLayerFlags = FlagsFor<CfsLayerOptions, "api" | "format"> & {
  /** Deprecated spelling of --output: --out names a directory on every other command. */
  readonly out?: string;
};

/** `uan-k3s cfs-layer`: the K3s layer in a CFS configuration, printed or applied. */
export function cfsLayerCommand(program: Command): Command {
  const command = addSourceOptions(
    program
      .command("cfs-layer")
      .description("ensure the k3s.yml layer in a CFS configuration: print it, or apply it")
      .option("--commit <sha>", "the uan-config-management commit the layer runs")
      .option("--repo <dir>", "use HEAD of this checkout (where gen-roles --git-commit wrote)")
      .option("--branch <name>", "resolve this branch on the VCS remote (git ls-remote)")
      .option("--allow-dirty", "with --repo: use HEAD though tracked files are modified (warns)")
      .option("--keep-branch", "with --branch: send the branch and let CFS resolve it (v3 only)")
      .option(
        "--layer-name <name>",
        "layer name, at most 45 characters (default: uan-k3s-<short sha>)",
      )
      .option(
        "--clone-url <url>",
        "default: https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
      )
      .option("--playbook <file>", "default: k3s.yml")
      .addOption(
        new Option("--api <version>", "CFS API and field spelling")
          .choices(["v3", "v2"])
          .default("v3"),
      )
      .option(
        "--base-file <file>",
        "start from this configuration (cray cfs v3 configurations describe NAME --format json)",
      )
      .option("--base-name <name>", "start from this configuration in CFS")
      .addOption(
        new Option("-o, --format <format>", "what to print")
          .choices(["json", "bootprep"])
          .default("json"),
      )
      .option("--output <file>", "write it to this file (atomically) instead of stdout")
      .addOption(new Option("--out <file>").hideHelp())
      .option(
        "--name <configuration>",
        "the CFS configuration to write with --apply (or to name in bootprep)",
      )
      .option("--apply", "write the configuration to CFS: a dry run with a diff unless --yes")
      .option("--yes", "with --apply: really write")
      .option(
        "--create",
        "with --apply or bootprep: create the configuration --name when CFS has none by that name",
      )
      .option(
        "--force",
        "with --apply: write a commit not known to be pushed: on no remote branch (--repo), or unchecked (--commit)",
      )
      .option(
        "--backup-in-cfs",
        "with --apply: also save the old configuration in CFS as <name>-backup-<time>",
      )
      .option("--backup-dir <dir>", "where --apply keeps its backup file (default: .)")
      .option(
        "--vcs-credentials <file>",
        "VCS username and password (else VCS_USERNAME / VCS_PASSWORD)",
      ),
  ).action(async (flags: CfsLayerFlags) => {
    const log = commandLog(flags, process.env);
    if (flags.out !== undefined) log.warn("--out FILE is deprecated here; use --output FILE");
    const { settings } = loadSettings(flags, process.env);
    await runCfsLayer(
      {
        commit: flags.commit,
        repo: flags.repo,
        branch: flags.branch,
        allowDirty: flags.allowDirty === true,
        keepBranch: flags.keepBranch === true,
        layerName: flags.layerName,
        cloneUrl: flags.cloneUrl,
        playbook: flags.playbook,
        api: flags.api,
        baseFile: flags.baseFile,
        baseName: flags.baseName,
        format: flags.format,
        output: flags.output ?? flags.out,
        apply: flags.apply === true,
        name: flags.name,
        yes: flags.yes === true,
        create: flags.create === true,
        force: flags.force === true,
        backupInCfs: flags.backupInCfs === true,
        backupDir: flags.backupDir,
        vcsCredentials: flags.vcsCredentials,
      },
      settings,
      process.env,
      log,
      writeStdout,
    );
  });
  return addHelpFooter(command, [
    "uan-k3s cfs-layer --repo uan-config-management            # the layer for HEAD, as JSON",
    "uan-k3s cfs-layer --commit 2f1c0e9d4b8a --base-name uan-config -o json",
    "uan-k3s cfs-layer --branch integration-2.6 -o bootprep --name uan-config",
    "uan-k3s cfs-layer --repo uan-config-management --apply --name uan-config         # the diff",
    "uan-k3s cfs-layer --repo uan-config-management --apply --name uan-config --yes   # write",
  ]);
}

/** The K3s layer, ensured in a configuration, printed or applied. */
async function runCfsLayer(
  options: CfsLayerOptions,
  settings: SourceSettings,
  env: NodeJS.ProcessEnv,
  log: Log,
  write: (text: string) => void,
): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cfs = require("../../cfs") as typeof import("../../cfs");
  const revisionSource = revisionFrom(options);
  checkTarget(options, cfs.checkConfigurationName);
  checkPushable(options, cfs.normalizeCommit, log);
  const cloneUrl = options.cloneUrl ?? cfs.CFS_LAYER_DEFAULTS.cloneUrl;
  // Before git runs: the URL is where the VCS credentials go, and CFS clones it in the clear too.
  cfs.checkCloneUrl(cloneUrl);
  checkCleartext(cloneUrl, "the VCS clone URL", settings.allowHttp, log);
  const credentials = cfs.vcsCredentials({ file: options.vcsCredentials, env }, log);
  const revision = await cfs.resolveRevision(revisionSource, cloneUrl, {
    log,
    credentials,
    caCertFile: settings.caCert,
  });
  const layer = cfs.buildLayer({
    revision,
    name: options.layerName,
    cloneUrl,
    playbook: options.playbook,
    apiVersion: options.api,
  });

  // bootprep replaces the whole configuration: it starts from one, never from nothing.
  const baseFromCfs = options.format === "bootprep" && options.baseFile === undefined;
  const needsApi = options.apply || options.baseName !== undefined || baseFromCfs;
  const api = needsApi ? cfsClient(settings, log) : undefined;
  const read =
    api !== undefined && options.name !== undefined
      ? await cfs.fetchConfiguration(api, options.name, options.api)
      : undefined;
  if (read?.configuration === undefined && (options.apply || baseFromCfs) && !options.create) {
    throw new UserError(
      `CFS has no configuration ${options.name} (${read?.origin} answered 404)`,
      "Check the name (cray cfs v3 configurations list); to create it, with only the " +
        "K3s layer or the layers of --base-file/--base-name, add --create.",
    );
  }
  const base: CfsBase =
    options.baseFile !== undefined
      ? cfs.readBaseFile(options.baseFile)
      : options.baseName !== undefined
        ? options.baseName === options.name && read !== undefined
          ? read
          : await cfs.fetchConfiguration(api!, options.baseName, options.api)
        : (read ?? cfs.EMPTY_BASE);
  if (base.configuration === undefined && options.baseName !== undefined) {
    throw new UserError(
      `CFS has no configuration ${options.baseName} to start from (--base-name)`,
      "Name an existing configuration: cray cfs v3 configurations list.",
    );
  }
  const plan = cfs.ensureLayer(base, layer, { apiVersion: options.api, log });
  log.info(cfs.describeEnsurePlan(plan, options.name ?? "(configuration)").trimEnd());

  const rendered =
    options.format === "bootprep"
      ? cfs.bootprepYaml(options.name as string, plan.body)
      : cfs.configurationJson(plan.body);
  if (options.output !== undefined) {
    writeFileAtomic(resolve(options.output), rendered);
    log.info(`wrote ${resolve(options.output)}`);
  } else if (!options.apply) {
    write(rendered);
  }
  if (!options.apply || api === undefined || read === undefined || options.name === undefined)
    return;

  const diff = cfs.diffConfigurations(read.configuration, plan.body, options.name);
  write(diff);
  if (!options.yes) {
    return log.info(
      diff === ""
        ? `dry run: ${options.name} already holds this layer`
        : `dry run: run again with --yes to write ${options.name}`,
    );
  }
  const result = await cfs.applyConfiguration(api, options.name, read, plan, {
    backupDir: resolve(options.backupDir ?? "."),
    backupInCfs: options.backupInCfs,
    log,
  });
  log.info(
    result.outcome === "unchanged"
      ? `${options.name} already holds this layer; nothing written`
      : `${result.outcome} ${options.name}` +
          (result.backupFile === undefined
            ? ""
            : `; the configuration before is in ${result.backupFile}`) +
          (result.backupConfiguration === undefined
            ? ""
            : ` and in CFS as ${result.backupConfiguration}`),
  );
}

/** Refuses flags that do not go together, and names that are not plain, before any I/O. */
function checkTarget(
  options: CfsLayerOptions,
  checkName: (name: string, version: CfsApiVersion) => void,
): void {
  if (options.apply && options.name === undefined)
    throw new UserError("--apply needs --name CONFIGURATION");
  if (options.format === "bootprep" && options.name === undefined) {
    throw new UserError(
      "--format bootprep needs --name CONFIGURATION",
      "sat bootprep creates or replaces the configuration by that name; its layers come from " +
        "CFS (or --base-file / --base-name).",
    );
  }
  if (options.baseFile !== undefined && options.baseName !== undefined) {
    throw new UserError("give --base-file or --base-name, not both");
  }
  if (options.create && !options.apply && options.format !== "bootprep")
    throw new UserError("--create goes with --apply or --format bootprep");
  if (options.force && !options.apply) throw new UserError("--force goes with --apply");
  for (const name of [options.name, options.baseName]) {
    if (name !== undefined) checkName(name, options.api);
  }
}

/**
 * A write needs the commit on the VCS remote: CFS clones from VCS, and a commit it lacks fails
 * the configuration on every node. A checkout shows that (git branch -r --contains) and a
 * branch is read from the remote itself; a bare SHA shows nothing, so it is written only with
 * --force, and then with a warning.
 */
function checkPushable(
  options: CfsLayerOptions,
  normalizeCommit: (commit: string) => string,
  log: Log,
): void {
  if (!options.apply || options.commit === undefined) return;
  if (!options.force) {
    throw new UserError(
      "--apply with --commit SHA: uan-k3s cannot check that the commit is pushed (CFS clones " +
        "the repository from VCS and cannot check out a commit it lacks)",
      "Give --repo DIR (the checkout it was committed in) instead of --commit to check it, or " +
        "--force to apply it unchecked.",
    );
  }
  log.warn(
    `--force: commit ${normalizeCommit(options.commit)} is applied without checking that it ` +
      "is pushed; if VCS lacks it, CFS fails on every node that runs the configuration",
  );
}

function revisionFrom(options: CfsLayerOptions): RevisionSource {
  const given = [options.commit, options.repo, options.branch].filter(
    (value) => value !== undefined,
  );
  if (given.length !== 1) {
    throw new UserError(
      "give exactly one of --commit SHA, --repo DIR or --branch NAME",
      "--repo reads HEAD of the checkout gen-roles --git-commit wrote to; --branch resolves the branch on the VCS remote.",
    );
  }
  if (options.keepBranch && options.branch === undefined)
    throw new UserError("--keep-branch goes with --branch");
  if (options.allowDirty && options.repo === undefined)
    throw new UserError("--allow-dirty goes with --repo");
  if (options.commit !== undefined) return { kind: "commit", commit: options.commit };
  if (options.repo !== undefined) {
    // A write needs the commit pushed; --force writes it anyway (checkoutHead then warns).
    const requirePushed = options.apply && !options.force;
    const { allowDirty } = options;
    return { kind: "checkout", dir: resolve(options.repo), allowDirty, requirePushed };
  }
  return { kind: "branch", branch: options.branch as string, keepBranch: options.keepBranch };
}
