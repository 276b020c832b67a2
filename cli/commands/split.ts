import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { isUserError, UserError } from "../../core/errors";
import { readTextFile } from "../../core/fs";
import { parseJson } from "../../core/json";
import { writeStdout, type Log } from "../../core/log";
import type { K8sServiceList, SlsWriteOutcome, SplitOptions, SplitPlanned } from "../../split";
import { addSourceOptions, networkOption, rerunArgs, type FlagsFor } from "../flags";
import { addHelpFooter } from "../help";
import { commandLog, stdoutColor } from "../output";
import { CONFIG_SETTING, loadSettings, SOURCE_SETTINGS, type SourceSettings } from "../settings";
import { apiOptions, openSources } from "../sources";

/** Exit code of a split that conflicts block: the plan is fine, the addresses are not free. */
export const EXIT_BLOCKED = 3;

export interface SplitCommandOptions extends SplitOptions {
  /** `kubectl get services -A -o json` saved to a file. */
  readonly services?: string;
  /** Run that kubectl command instead. @default false */
  readonly kubectl: boolean;
  /** `kubectl get cm metallb -n metallb-system -o yaml` saved to a file (CSM <= 1.6). */
  readonly metallbConfig?: string;
  /** @default "text" */
  readonly format: "text" | "json";
  /** Write the PUT body, the CSM pool files, uan_helm.yml and the reports here. */
  readonly out?: string;
  /** Write the split to SLS (the API only); a dry run unless `yes`. @default false */
  readonly apply: boolean;
  readonly yes: boolean;
  /**
   * Let --apply --yes write without the live-address check (`services` or `kubectl`), which
   * the seed marks Important and is otherwise required. @default false
   */
  readonly skipLiveCheck: boolean;
  /** Where --apply keeps its backup. @default the --out directory, else the working directory */
  readonly backupDir?: string;
  /** The flags of this run that pick the data and the names, for the next steps' commands. */
  readonly rerunArgs: readonly string[];
  /** Color the status word (stdout is a terminal, and neither NO_COLOR nor --no-color). */
  readonly color?: boolean;
}

type SplitFlags = FlagsFor<Omit<SplitCommandOptions, "rerunArgs">, "format"> & {
  readonly restore?: string;
};

/** The flags that pick the data and the names: repeated in the next steps' commands. */
const RERUN_KEYS = [
  CONFIG_SETTING.key,
  ...SOURCE_SETTINGS.map((setting) => setting.key),
  "network",
  "subnet",
  "k3sFullName",
  "k3sName",
  "k3sPoolName",
];

/** `uan-k3s split`, and `split --restore BACKUP`. */
export function splitCommand(program: Command): Command {
  const command = addSourceOptions(
    program
      .command("split")
      .description(
        'plan the "<NET> Dynamic MetalLB K3s" subnet, prove its addresses are free, report, and apply it to SLS',
      )
      .addOption(networkOption("CAN or CHN, any case (default: BICAN's SystemDefaultRoute)"))
      .option("--subnet <fullname>", 'the subnet to split (default: "<NET> Dynamic MetalLB")')
      .option(
        "--k3s-full-name <name>",
        'FullName of the new subnet (default: sls_can_metallb_fullname, else "<NET> Dynamic MetalLB K3s")',
      )
      .option(
        "--k3s-name <name>",
        "Name of the new subnet (default: <net>_metallb_k3s_address_pool)",
      )
      .option(
        "--k3s-pool-name <name>",
        "MetalLBPoolName of the new subnet (default: <original pool>-k3s)",
      )
      .option(
        "--services <file>",
        "kubectl get services -A -o json, saved: live LoadBalancer IPs to check",
      )
      .option("--kubectl", "run kubectl get services -A -o json for that check")
      .option(
        "--skip-live-check",
        "let --apply --yes write without --services or --kubectl (the seed marks that check Important)",
      )
      .option(
        "--metallb-config <file>",
        "kubectl get cm metallb -n metallb-system -o yaml, saved (CSM <= 1.6)",
      )
      .addOption(
        new Option("-o, --format <format>", "stdout report format")
          .choices(["text", "json"])
          .default("text"),
      )
      .option(
        "--out <dir>",
        "write the PUT body, CSM pool files, uan_helm.yml and report.{json,md,html}",
      )
      .option("--apply", "write the split to SLS (a dry run unless --yes)")
      .option("--yes", "with --apply or --restore: really write (an error without either)")
      .option(
        "--backup-dir <dir>",
        "where --apply and --restore keep backups (default: --out, else .)",
      )
      .option(
        "--restore <backup>",
        "put a backup of the network back into SLS (without --yes: show what it would change)",
      ),
  ).action(async (flags: SplitFlags, command: Command) => {
    const log = commandLog(flags, process.env);
    const { config, settings } = loadSettings(flags, process.env);
    if (flags.restore !== undefined) {
      checkRestoreFlags(flags.restore, flags);
      const restore = { yes: flags.yes === true, format: flags.format };
      return runRestore(flags.restore, restore, settings, log, writeStdout);
    }
    await runSplit(
      {
        network: flags.network,
        subnet: flags.subnet,
        // The FullName the playbook and gen-roles look for, unless this run names another.
        k3sFullName: flags.k3sFullName ?? config?.data.sls_can_metallb_fullname,
        k3sName: flags.k3sName,
        k3sPoolName: flags.k3sPoolName,
        services: flags.services,
        kubectl: flags.kubectl === true,
        metallbConfig: flags.metallbConfig,
        format: flags.format,
        out: flags.out,
        apply: flags.apply === true,
        yes: flags.yes === true,
        skipLiveCheck: flags.skipLiveCheck === true,
        backupDir: flags.backupDir,
        rerunArgs: rerunArgs(command, RERUN_KEYS),
        color: stdoutColor(flags, process.env),
      },
      settings,
      log,
      writeStdout,
    );
  });
  return addHelpFooter(
    command,
    [
      "uan-k3s split --sls-file sls.json --services services.json   # the plan, from files",
      "uan-k3s split --kubectl --out split                           # the plan and its files",
      "uan-k3s split --network chn --kubectl -o json",
      "uan-k3s split --kubectl --apply          # dry run: what would be written",
      "uan-k3s split --kubectl --apply --yes    # backup, PUT, verify; prints the undo",
      "uan-k3s split --restore sls-CAN-backup-20250417T121043Z.json --yes",
    ],
    [[3, "blocked: an address of the K3s range is in use (the report says which)"]],
  );
}

/** The flags that only make sense together, checked before anything is read or written. */
function checkSplitFlags(options: SplitCommandOptions, settings: SourceSettings): void {
  if (options.yes && !options.apply) {
    throw new UserError(
      "--yes confirms a write, so it goes with --apply (or --restore FILE); alone it would do nothing",
      "To write the split to SLS: uan-k3s split --services FILE --apply, check the dry run, then add --yes.",
    );
  }
  if (options.apply && settings.slsFile !== undefined) {
    throw new UserError(
      "--apply writes to SLS through the CSM API, so it cannot go with --sls-file",
      "Drop --sls-file.",
    );
  }
  const liveCheck = options.services !== undefined || options.kubectl;
  if (options.services !== undefined && options.kubectl)
    throw new UserError("give --services FILE or --kubectl, not both");
  if (options.skipLiveCheck && !options.apply) {
    throw new UserError(
      "--skip-live-check goes only with --apply: without it nothing is written",
      "Drop --skip-live-check; the report says whether Kubernetes was checked.",
    );
  }
  if (options.skipLiveCheck && liveCheck) {
    throw new UserError(
      "--skip-live-check skips the live-address check that --services or --kubectl asks for: give one or the other",
      "Drop --skip-live-check to check the live Services.",
    );
  }
  // The seed marks this check "Important": a live LoadBalancer IP in the K3s range would be
  // handed out a second time by K3s's MetalLB, and only Kubernetes knows those IPs.
  if (options.apply && options.yes && !liveCheck && !options.skipLiveCheck) {
    throw new UserError(
      "--apply --yes writes to SLS only after the live-address check: give --services FILE (kubectl get services -A -o json, saved) or --kubectl. Nothing was read or written",
      "The seed marks this check Important: a LoadBalancer IP already in the K3s range would be handed out twice. To write without it on purpose, add --skip-live-check.",
    );
  }
}

/**
 * `--restore` takes the backup file as its value, so `--restore --yes` would take "--yes" for
 * the file and then do a dry run: a flag there means the file was left out.
 */
function checkRestoreFlags(backup: string, flags: SplitFlags): void {
  if (backup.startsWith("-")) {
    throw new UserError(
      `--restore needs the backup file as its value, but got the flag ${backup}`,
      "Write it as uan-k3s split --restore FILE --yes (a file whose name starts with - as ./-FILE).",
    );
  }
  if (flags.apply === true || flags.skipLiveCheck === true) {
    throw new UserError(
      `--restore puts a backup back, so it cannot go with --${flags.apply === true ? "apply" : "skip-live-check"}`,
      "Run the restore on its own: uan-k3s split --restore FILE, then with --yes.",
    );
  }
}

/** Plan, prove, report, and (with --apply --yes) write the K3s subnet. */
async function runSplit(
  options: SplitCommandOptions,
  settings: SourceSettings,
  log: Log,
  write: (text: string) => void,
): Promise<void> {
  checkSplitFlags(options, settings);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const split = require("../../split") as typeof import("../../split");
  // A plan that is about to be written must come from SLS as it is now, not from the cache.
  const fresh = options.apply ? { ...settings, refresh: true } : settings;
  const { sls } = openSources(fresh, log);
  const data = await sls.load();
  const plan = split.planSplit(data.networks, options);
  const services = await readServices(options, split.parseServices, log);
  const check = split.findConflicts(plan, services?.list);
  const outDir = options.out === undefined ? undefined : resolve(options.out);
  const configMap =
    options.metallbConfig === undefined
      ? undefined
      : {
          text: readTextFile(options.metallbConfig, "MetalLB ConfigMap"),
          origin: options.metallbConfig,
        };
  const report = split.buildSplitReport({
    plan,
    check,
    origin: sls.origin,
    services: services?.list,
    servicesOrigin: services?.origin,
    rerunArgs: options.rerunArgs,
    outDir,
    wholeConfigMap: configMap !== undefined,
  });
  const blocked = check.conflicts.length > 0;
  // Render every file before writing any, so a refusal leaves nothing half-written. Blocked,
  // only the report: a PUT body or pool manifest would look ready to apply.
  const files =
    outDir === undefined
      ? undefined
      : {
          ...(blocked
            ? {}
            : split.renderSplitArtifacts(plan, {
                slsOrigin: sls.origin,
                metallbConfigMap: configMap,
              })),
          "report.json": split.renderJson(report),
          "report.md": split.renderMarkdown(report),
          "report.html": split.renderHtml(report),
        };
  const writing = options.apply && options.yes && plan.kind === "split" && !blocked;
  // About to write, the plan was shown by the dry run; stdout then says what was done.
  if (!writing) {
    write(
      options.format === "json"
        ? split.renderJson(report)
        : split.renderText(report, { color: options.color }),
    );
  }
  if (outDir !== undefined && files !== undefined) {
    const { written, removed } = split.writeArtifacts(outDir, files);
    for (const path of removed) log.info(`removed ${path}: an earlier run's, not this run's`);
    log.info(`wrote ${written.length} files to ${outDir}`);
  }
  if (blocked) {
    throw new UserError(
      `the split is blocked by ${check.conflicts.length} conflict${check.conflicts.length === 1 ? "" : "s"}; nothing was written to SLS`,
      "Free the addresses listed in the report (or pick another subnet), then run uan-k3s split again.",
      { exitCode: EXIT_BLOCKED },
    );
  }
  if (!options.apply) return;
  if (plan.kind === "already-split")
    return log.info("SLS already has the K3s subnet: nothing to apply");
  if (!options.yes) {
    const how = check.kubernetesChecked
      ? "--apply --yes"
      : options.skipLiveCheck
        ? "--apply --yes --skip-live-check"
        : "--apply --yes and --services FILE or --kubectl (the live-address check)";
    return log.info(`dry run: would PUT ${plan.net} to SLS as shown; run again with ${how}`);
  }
  if (!check.kubernetesChecked) {
    log.warn(
      `writing ${plan.net} without the live-address check (--skip-live-check), which the seed marks Important: a LoadBalancer IP in ${plan.range.cidr} would be handed out twice`,
    );
  }
  const api = require("../../csm/api-client") as typeof import("../../csm/api-client"); // eslint-disable-line @typescript-eslint/no-require-imports
  const client = api.createCsmClient(apiOptions(fresh), log);
  const result = await split.applySplit(client, plan, {
    backupDir: resolve(options.backupDir ?? outDir ?? "."),
    log,
  });
  const outcome: SlsWriteOutcome = {
    action: "applied",
    network: plan.net,
    restoredFrom: null,
    before: plan.networkBefore,
    after: result.network,
    backupFile: result.backupFile,
    undoCommand: result.undoCommand,
    writeCommand: null,
    kubernetesChecked: check.kubernetesChecked,
    next: afterApply(plan, check.kubernetesChecked),
  };
  write(renderOutcome(split, outcome, options.format));
}

/** The steps left once SLS is split: the next `uan-k3s split` run lists them in full. */
function afterApply(plan: SplitPlanned, kubernetesChecked: boolean): string {
  const pool = plan.csmPool;
  const shrink =
    pool === undefined
      ? "check CSM's MetalLB pools"
      : `shrink CSM's MetalLB pool ${pool.name} to ${pool.range.cidr}`;
  const unchecked = kubernetesChecked
    ? ""
    : ` The live Services were NOT checked: save them (kubectl get services -A -o json > services.json) and give that run --services services.json.`;
  return (
    `run uan-k3s split again with the same flags, without --apply: it reads the split network and lists the steps left (${shrink}, restart CSM's MetalLB controller, generate the roles).` +
    unchecked
  );
}

function renderOutcome(
  split: typeof import("../../split"),
  outcome: SlsWriteOutcome,
  format: "text" | "json",
): string {
  return format === "json" ? split.renderOutcomeJson(outcome) : split.renderOutcomeText(outcome);
}

/**
 * `split --restore BACKUP`: without `yes`, check the backup and show what putting it back
 * would change, writing nothing; with it, put it back under the same guard as --apply.
 */
async function runRestore(
  backup: string,
  options: { yes: boolean; format: "text" | "json" },
  settings: SourceSettings,
  log: Log,
  write: (text: string) => void,
): Promise<void> {
  if (settings.slsFile !== undefined)
    throw new UserError(
      "--restore writes to SLS through the CSM API, so it cannot go with --sls-file",
    );
  /* eslint-disable @typescript-eslint/no-require-imports */
  const split = require("../../split") as typeof import("../../split");
  const api = require("../../csm/api-client") as typeof import("../../csm/api-client");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const file = resolve(backup);
  // Checked before the client, which wants credentials: a wrong file is the likelier mistake.
  const network = split.readNetworkBackup(file);
  const client = api.createCsmClient(apiOptions({ ...settings, refresh: true }), log);
  if (!options.yes) {
    const preview = await split.previewRestore(client, network);
    const same = preview.changes.length === 0;
    const outcome: SlsWriteOutcome = {
      action: "would-restore",
      network: preview.backup.Name,
      restoredFrom: file,
      before: preview.current,
      after: preview.backup,
      backupFile: null,
      undoCommand: null,
      kubernetesChecked: null,
      writeCommand: same ? null : split.restoreCommand(file),
      next: same
        ? "nothing: SLS already holds the backup."
        : "check the changes, then write them with the command above; it backs the network up first.",
    };
    return write(renderOutcome(split, outcome, options.format));
  }
  const result = await split.restoreNetwork(client, file, { log });
  const outcome: SlsWriteOutcome = {
    action: result.written ? "restored" : "unchanged",
    network: result.network.Name,
    restoredFrom: result.restoredFrom,
    before: result.previous,
    after: result.network,
    backupFile: result.backupFile,
    undoCommand: result.written ? result.undoCommand : null,
    writeCommand: null,
    kubernetesChecked: null,
    next: result.written
      ? "if CSM's MetalLB pool was shrunk for the split, give it its old addresses back and restart CSM's MetalLB controller."
      : "nothing: SLS already held the backup.",
  };
  write(renderOutcome(split, outcome, options.format));
}

const KUBECTL_ARGS = ["get", "services", "-A", "-o", "json"];

async function readServices(
  options: SplitCommandOptions,
  parse: (data: unknown, origin: string) => K8sServiceList,
  log: Log,
): Promise<{ list: K8sServiceList; origin: string } | undefined> {
  if (options.services !== undefined) {
    const text = readTextFile(options.services, "Kubernetes services file");
    return {
      list: parse(parseJson(text, options.services), options.services),
      origin: options.services,
    };
  }
  if (!options.kubectl) return undefined;
  const command = `kubectl ${KUBECTL_ARGS.join(" ")}`;
  const failed = (why: string): UserError =>
    new UserError(
      `${command} failed: ${why}`,
      "Run it on a management node, or save its output and pass --services FILE.",
    );
  // Loaded here: node:child_process alone would cost every `--version` a few milliseconds.
  const { DEFAULT_TIMEOUT_MS, runProcess } = await import("../../core/subprocess");
  log.progress?.(command);
  // The whole cluster's services in one document: far beyond runProcess's default buffer.
  const result = await runProcess("kubectl", KUBECTL_ARGS, {
    maxBuffer: 256 * 1024 * 1024,
  }).catch((error: unknown) => {
    if (!isUserError(error)) throw error;
    const cause = error.cause as NodeJS.ErrnoException | undefined;
    throw failed(
      cause?.code === "ENOENT" ? "kubectl is not on PATH" : (cause?.message ?? error.message),
    );
  });
  if (result.timedOut) throw failed(`no answer in ${DEFAULT_TIMEOUT_MS / 1000} seconds`);
  if (result.code !== 0) throw failed(result.stderr.trim() || `Command failed: ${command}`);
  return { list: parse(parseJson(result.stdout, command), command), origin: command };
}
