import { Option, type Command } from "commander";
import { MemoryLog, writeStdout } from "../../core/log";
import { loadConfig } from "../config";
import { addSourceOptions, rerunArgs, type Flags } from "../flags";
import { addHelpFooter } from "../help";
import { stdoutColor } from "../output";
import {
  CONFIG_SETTING,
  configPath,
  resolveSourceSettings,
  SOURCE_SETTINGS,
  type SourceSettings,
} from "../settings";
import { cfsClient, fetchFile, openSources } from "../sources";

type DoctorFlags = Flags & {
  readonly out?: string;
  readonly name?: string;
  readonly subuid?: string;
  readonly subgid?: string;
  readonly passwd?: string;
  readonly format: "text" | "json";
};

/** `uan-k3s doctor`: every prerequisite uan-k3s can see, as a checklist; exit 1 if one fails. */
export function doctorCommand(program: Command): Command {
  const command = addSourceOptions(
    program
      .command("doctor")
      .description("check every prerequisite uan-k3s can see and print a pass/warn/fail checklist")
      .option("--out <dir>", "also check that this generated tree is up to date and pushed")
      .option(
        "--name <configuration>",
        "with --out: also check that the K3s layer of this CFS configuration runs HEAD of it",
      )
      .option(
        "--subuid <file>",
        "also check these subuid and subgid files, and that they are what is uploaded",
      )
      .option("--subgid <file>", "(with --subuid)")
      .option("--passwd <file>", "users for the subuid/subgid check")
      .addOption(
        new Option("-o, --format <format>", "checklist format (json: always JSON, even on failure)")
          .choices(["text", "json"])
          .default("text"),
      ),
  ).action(async (flags: DoctorFlags, command: Command) => {
    const doctor = await import("../../doctor");
    const env = process.env;
    const checks = await doctor.runChecks({
      // Not loadSettings: a bad config file is a failed check here, not the end of the run.
      loadConfig: () => loadConfig(configPath(flags, env)),
      openSources: (config) => {
        const settings = resolveSourceSettings(flags, env, config);
        const missing = settings.slsFile === undefined ? missingCredentials(settings) : undefined;
        if (missing !== undefined)
          return { ...missing, unavailable: `${missing.unavailable}, and no --sls-file` };
        // The checklist says what failed; the sources' own progress lines would only add noise.
        return { ...openSources(settings, new MemoryLog()), hostnames: settings.hostnames };
      },
      // CFS has no file source: it needs the API whatever --sls-file says.
      openCfs: (config) => {
        const settings = resolveSourceSettings(flags, env, config);
        return missingCredentials(settings) ?? cfsClient(settings, new MemoryLog());
      },
      onPath: (name) => doctor.onPath(name),
      fetchUrl: (url, what, config) => {
        const settings = resolveSourceSettings(flags, env, config);
        return fetchFile(url, what, settings, new MemoryLog());
      },
      out: flags.out,
      cfsName: flags.name,
      subuid: flags.subuid,
      subgid: flags.subgid,
      passwd: flags.passwd,
      sourceArgs: rerunArgs(command, SOURCE_KEYS),
    });
    const report = doctor.outline(checks);
    writeStdout(
      flags.format === "json"
        ? doctor.renderJson(report)
        : doctor.renderText(report, { color: stdoutColor(flags, env) }),
    );
    if (report.failed) process.exitCode = 1;
  });
  return addHelpFooter(command, [
    "uan-k3s doctor",
    "uan-k3s doctor --sls-file sls.json --hsm-file hsm-groups.json   # no API needed",
    "uan-k3s doctor --out uan-config-management --subuid subuid --subgid subgid --passwd passwd",
    "uan-k3s doctor --out uan-config-management --name uan-config   # CFS runs its HEAD",
    "uan-k3s doctor -o json | jq '.checks[] | select(.status == \"fail\")'",
  ]);
}

/** The flags that pick the config and the data: repeated in the fix commands. */
const SOURCE_KEYS = [CONFIG_SETTING.key, ...SOURCE_SETTINGS.map((setting) => setting.key)];

/** No credentials for the CSM API: the checks that need it are skipped, the others still run. */
function missingCredentials(
  settings: SourceSettings,
): { unavailable: string; fix: string } | undefined {
  if (
    settings.tokenFile !== undefined ||
    settings.token !== undefined ||
    settings.clientSecretFile !== undefined
  )
    return undefined;
  return {
    unavailable: "no credentials for the CSM API",
    fix:
      "(umask 077; kubectl get secret -n default admin-client-auth -o jsonpath='{.data.client-secret}' | base64 -d > ~/.uan-k3s-secret); " +
      "export UAN_K3S_CLIENT_SECRET_FILE=~/.uan-k3s-secret",
  };
}
