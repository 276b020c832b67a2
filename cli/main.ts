import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { UserError } from "../core/errors";
import { stderrLog } from "../core/log";
import { projectPath } from "../core/paths";
import { fail } from "./fail";
import { CONFIG_SETTING, loadSettings, SOURCE_SETTINGS } from "./settings";

// The only module that knows commander. Each action turns flags into typed settings and calls
// the library; heavy modules load inside the actions so that `--version` and `--help` stay fast.

type Flags = Record<string, string | boolean | undefined>;

function addSourceOptions(command: Command): Command {
  command.option(CONFIG_SETTING.flag, CONFIG_SETTING.description);
  for (const setting of SOURCE_SETTINGS) {
    if (setting.flag === undefined) continue;
    command.addOption(
      new Option(setting.flag, `${setting.description} (env ${setting.env.join(", ")})`),
    );
  }
  return command;
}

/** The flags of this run among `keys`, as the user typed them, to repeat in printed commands. */
function rerunArgs(command: Command, keys: readonly string[]): string[] {
  const flags = command.opts<Flags>();
  return command.options.flatMap((option) => {
    const key = option.attributeName();
    const value = flags[key];
    if (!keys.includes(key) || value === undefined || command.getOptionValueSource(key) !== "cli")
      return [];
    return value === true ? [option.long as string] : [option.long as string, String(value)];
  });
}

export function buildProgram(): Command {
  const version = (
    JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as { version: string }
  ).version;
  const program = new Command("uan-k3s")
    .description(
      "Configure UANs for K3s from SLS and HSM: inventory, subnet split, roles, CFS layer.",
    )
    .version(version)
    .showHelpAfterError();

  addSourceOptions(
    program
      .command("inventory")
      .description(
        "print the Ansible inventory built from SLS and HSM (the inventory-script protocol)",
      )
      .option("--list", "print every group and _meta.hostvars as JSON")
      .option("--host <name>", "print one host's variables (xname or alias) as JSON; {} if unknown")
      .option("--graph", "print the groups as ansible-inventory --graph does, and the all vars")
      .addOption(
        new Option("--export <format>", "print a static inventory instead").choices(["yaml"]),
      )
      .option("--output <path>", "with --export: write the file (atomically) instead of stdout"),
  ).action(async (flags: Flags) => {
    const chosen = [flags.list, flags.host, flags.graph, flags.export].filter(
      (flag) => flag !== undefined,
    );
    if (chosen.length !== 1) {
      throw new UserError("give exactly one of --list, --host NAME, --graph or --export yaml");
    }
    if (flags.output !== undefined && flags.export === undefined) {
      throw new UserError("--output goes with --export yaml");
    }
    const { config, settings } = loadSettings(flags, process.env);
    const { runInventory } = await import("./inventory");
    const request =
      flags.list === true
        ? ({ kind: "list" } as const)
        : typeof flags.host === "string"
          ? ({ kind: "host", name: flags.host } as const)
          : flags.graph === true
            ? ({ kind: "graph" } as const)
            : ({ kind: "export", output: flags.output as string | undefined } as const);
    await runInventory(request, settings, config, stderrLog, (text) => process.stdout.write(text));
  });

  addSourceOptions(
    program
      .command("split")
      .description(
        'plan the "<NET> Dynamic MetalLB K3s" subnet, prove its addresses are free, report, and apply it to SLS',
      )
      .addOption(
        new Option("--network <name>", "CAN or CHN (default: BICAN's SystemDefaultRoute)").choices([
          "CAN",
          "CHN",
        ]),
      )
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
        new Option("--format <format>", "stdout report format")
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
  ).action(async (flags: Flags, command: Command) => {
    const { settings } = loadSettings(flags, process.env);
    const split = await import("./split");
    if (typeof flags.restore === "string") {
      return split.runRestore(flags.restore, flags.yes === true, settings, stderrLog);
    }
    await split.runSplit(
      {
        network: flags.network as "CAN" | "CHN" | undefined,
        subnet: flags.subnet as string | undefined,
        k3sFullName: flags.k3sFullName as string | undefined,
        k3sName: flags.k3sName as string | undefined,
        k3sPoolName: flags.k3sPoolName as string | undefined,
        services: flags.services as string | undefined,
        kubectl: flags.kubectl === true,
        metallbConfig: flags.metallbConfig as string | undefined,
        format: flags.format as "text" | "json",
        out: flags.out as string | undefined,
        apply: flags.apply === true,
        yes: flags.yes === true,
        backupDir: flags.backupDir as string | undefined,
        rerunArgs: rerunArgs(command, [
          "config",
          ...SOURCE_SETTINGS.map((s) => s.key),
          "network",
          "subnet",
          "k3sFullName",
          "k3sName",
          "k3sPoolName",
        ]),
      },
      settings,
      stderrLog,
      (text) => process.stdout.write(text),
    );
  });

  addSourceOptions(
    program
      .command("cfs-layer")
      .description("ensure the k3s.yml layer in a CFS configuration: print it, or apply it")
      .option("--commit <sha>", "the uan-config-management commit the layer runs")
      .option("--repo <dir>", "use HEAD of this checkout (where gen-roles --commit wrote)")
      .option("--branch <name>", "resolve this branch on the VCS remote (git ls-remote)")
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
        new Option("--format <format>", "what to print")
          .choices(["json", "bootprep"])
          .default("json"),
      )
      .option("--out <file>", "write it to this file (atomically) instead of stdout")
      .option(
        "--name <configuration>",
        "the CFS configuration to write with --apply (or to name in bootprep)",
      )
      .option("--apply", "write the configuration to CFS: a dry run with a diff unless --yes")
      .option("--yes", "with --apply: really write")
      .option(
        "--backup-in-cfs",
        "with --apply: also save the old configuration in CFS as <name>-backup-<time>",
      )
      .option("--backup-dir <dir>", "where --apply keeps its backup file (default: .)")
      .option(
        "--vcs-credentials <file>",
        "VCS username and password (else VCS_USERNAME / VCS_PASSWORD)",
      ),
  ).action(async (flags: Flags) => {
    const { settings } = loadSettings(flags, process.env);
    const { runCfsLayer } = await import("./cfs-layer");
    const text = (key: string): string | undefined => flags[key] as string | undefined;
    await runCfsLayer(
      {
        commit: text("commit"),
        repo: text("repo"),
        branch: text("branch"),
        keepBranch: flags.keepBranch === true,
        layerName: text("layerName"),
        cloneUrl: text("cloneUrl"),
        playbook: text("playbook"),
        api: flags.api as "v3" | "v2",
        baseFile: text("baseFile"),
        baseName: text("baseName"),
        format: flags.format as "json" | "bootprep",
        out: text("out"),
        apply: flags.apply === true,
        name: text("name"),
        yes: flags.yes === true,
        backupInCfs: flags.backupInCfs === true,
        backupDir: text("backupDir"),
        vcsCredentials: text("vcsCredentials"),
      },
      settings,
      process.env,
      stderrLog,
      (output) => process.stdout.write(output),
    );
  });

  program
    .command("subid")
    .description("write /etc/subuid and /etc/subgid for rootless Podman, or --check existing ones")
    .option("--passwd <file>", "users, in passwd format (getent passwd, or an LDAP export)")
    .option("--out <dir>", "where subuid and subgid are written (default: .)")
    .option("--min-uid <n>", "skip accounts below this uid (default: 1000)")
    .option("--count <n>", "ids per user (default: 65536)")
    .option(
      "--start <n>",
      "first id of the first range (default: 100000, or above the existing ranges)",
    )
    .option("--existing-subuid <file>", "the current subuid: every user keeps their range")
    .option("--existing-subgid <file>", "the current subgid: every user keeps their range")
    .option("--prune", "drop the ranges of users no longer in passwd (kept by default)")
    .option("--force-prune", "with --prune: allow dropping more than a quarter of the ranges")
    .option("--check", "validate --existing-subuid and --existing-subgid instead of writing")
    .action(async (flags: Flags) => {
      const { runSubid } = await import("./subid");
      runSubid(flags, (text) => process.stdout.write(text));
    });

  addSourceOptions(
    program
      .command("doctor")
      .description("check every prerequisite uan-k3s can see and print a pass/warn/fail checklist")
      .option("--out <dir>", "also check that this generated tree is up to date")
      .option("--subuid <file>", "also check these subuid and subgid files")
      .option("--subgid <file>", "(with --subuid)")
      .option("--passwd <file>", "users for the subuid/subgid check")
      .addOption(
        new Option("--format <format>", "checklist format")
          .choices(["text", "json"])
          .default("text"),
      ),
  ).action(async (flags: Flags) => {
    const { renderChecklist, runDoctor } = await import("./doctor");
    const checks = await runDoctor(
      {
        out: flags.out as string | undefined,
        subuid: flags.subuid as string | undefined,
        subgid: flags.subgid as string | undefined,
        passwd: flags.passwd as string | undefined,
        format: flags.format as "text" | "json",
      },
      flags,
      process.env,
    );
    process.stdout.write(
      flags.format === "json"
        ? `${JSON.stringify({ checks }, null, 2)}\n`
        : renderChecklist(checks),
    );
    if (checks.some((check) => check.status === "fail")) process.exitCode = 1;
  });

  program
    .command("init")
    .description("write a starter uan-k3s.yaml with every setting and its default")
    .option("--output <path>", "where to write it", "uan-k3s.yaml")
    .option("--force", "overwrite an existing file")
    .action(async (flags: Flags) => {
      const { writeStarterConfig } = await import("./init");
      writeStarterConfig(flags.output as string, flags.force === true, stderrLog);
    });

  addSourceOptions(
    program
      .command("gen-roles")
      .description("write k3s.yml, vars/ and the uan_* roles into a uan-config-management checkout")
      .requiredOption("--out <dir>", "the checkout (or directory) to write into")
      .option("--force", "overwrite files uan-k3s did not write or that were edited by hand")
      .option("--check", "write nothing; exit 1 if the tree would change")
      .option("--diff", "print a unified diff of what changes")
      .option("--commit", "commit the result in the checkout and print the SHA")
      .option(
        "--branch <name>",
        "with --commit: the branch to commit on (e.g. integration-<version>)",
      ),
  ).action(async (flags: Flags) => {
    const { config, settings } = loadSettings(flags, process.env);
    const { runGenRoles } = await import("./gen-roles");
    await runGenRoles(
      {
        out: flags.out as string,
        force: flags.force === true,
        check: flags.check === true,
        diff: flags.diff === true,
        commit: flags.commit === true,
        branch: flags.branch as string | undefined,
      },
      settings,
      config,
      stderrLog,
      (text) => process.stdout.write(text),
    );
  });

  return program;
}

export function run(): void {
  buildProgram().parseAsync(process.argv).catch(fail);
}
