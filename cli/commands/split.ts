import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { isUserError, UserError } from "../../core/errors";
import { readTextFile } from "../../core/fs";
import { parseJson } from "../../core/json";
import { writeStdout, type Log } from "../../core/log";
import type { K8sServiceList, SplitOptions } from "../../split";
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
        'FullName of the new subnet (default: "<NET> Dynamic MetalLB K3s")',
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
      .option("--yes", "with --apply or --restore: really write")
      .option(
        "--backup-dir <dir>",
        "where --apply and --restore keep backups (default: --out, else .)",
      )
      .option(
        "--restore <backup>",
        "put a backup of the network back into SLS (a dry run unless --yes)",
      ),
  ).action(async (flags: SplitFlags, command: Command) => {
    const log = commandLog(flags, process.env);
    const { settings } = loadSettings(flags, process.env);
    if (flags.restore !== undefined) {
      return runRestore(flags.restore, flags.yes === true, settings, log);
    }
    await runSplit(
      {
        network: flags.network,
        subnet: flags.subnet,
        k3sFullName: flags.k3sFullName,
        k3sName: flags.k3sName,
        k3sPoolName: flags.k3sPoolName,
        services: flags.services,
        kubectl: flags.kubectl === true,
        metallbConfig: flags.metallbConfig,
        format: flags.format,
        out: flags.out,
        apply: flags.apply === true,
        yes: flags.yes === true,
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

/** Plan, prove, report, and (with --apply --yes) write the K3s subnet. */
async function runSplit(
  options: SplitCommandOptions,
  settings: SourceSettings,
  log: Log,
  write: (text: string) => void,
): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const split = require("../../split") as typeof import("../../split");
  if (options.apply && settings.slsFile !== undefined) {
    throw new UserError(
      "--apply writes to SLS through the CSM API, so it cannot go with --sls-file",
      "Drop --sls-file.",
    );
  }
  if (options.services !== undefined && options.kubectl)
    throw new UserError("give --services FILE or --kubectl, not both");
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
  // Render every file before writing any, so a refusal leaves nothing half-written.
  const files =
    outDir === undefined
      ? undefined
      : {
          ...split.renderSplitArtifacts(plan, {
            slsOrigin: sls.origin,
            metallbConfigMap: configMap,
          }),
          "report.json": split.renderJson(report),
          "report.md": split.renderMarkdown(report),
          "report.html": split.renderHtml(report),
        };
  write(
    options.format === "json"
      ? split.renderJson(report)
      : split.renderText(report, { color: options.color }),
  );
  if (outDir !== undefined && files !== undefined) {
    split.writeArtifacts(outDir, files);
    log.info(`wrote ${Object.keys(files).length} files to ${outDir}`);
  }
  if (check.conflicts.length > 0) {
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
    return log.info(
      `dry run: would PUT ${plan.net} to SLS as shown; run again with --apply --yes to write it`,
    );
  }
  const api = require("../../csm/api-client") as typeof import("../../csm/api-client"); // eslint-disable-line @typescript-eslint/no-require-imports
  const client = api.createCsmClient(apiOptions(fresh), log);
  const result = await split.applySplit(client, plan, {
    backupDir: resolve(options.backupDir ?? outDir ?? "."),
    log,
  });
  log.info(
    `SLS ${plan.net} now has ${plan.k3s.FullName} ${plan.k3s.CIDR}; backup: ${result.backupFile}`,
  );
  log.info(`to undo: ${result.undoCommand}`);
}

/** `split --restore BACKUP`: put a backup back, under the same guard; a dry run unless `yes`. */
async function runRestore(
  backup: string,
  yes: boolean,
  settings: SourceSettings,
  log: Log,
): Promise<void> {
  if (settings.slsFile !== undefined)
    throw new UserError(
      "--restore writes to SLS through the CSM API, so it cannot go with --sls-file",
    );
  /* eslint-disable @typescript-eslint/no-require-imports */
  const split = require("../../split") as typeof import("../../split");
  const api = require("../../csm/api-client") as typeof import("../../csm/api-client");
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (!yes)
    return log.info(
      `dry run: would PUT ${resolve(backup)} back to SLS; run again with --restore ${backup} --yes`,
    );
  const client = api.createCsmClient(apiOptions({ ...settings, refresh: true }), log);
  const result = await split.restoreNetwork(client, resolve(backup), { log });
  log.info(
    result.written
      ? `restored ${result.network.Name} from ${result.restoredFrom}; the state before is in ${result.backupFile}`
      : `SLS already equals ${result.restoredFrom}; nothing written`,
  );
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
