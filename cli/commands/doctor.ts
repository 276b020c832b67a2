import { Option, type Command } from "commander";
import { MemoryLog } from "../../core/log";
import { loadConfig } from "../config";
import { addSourceOptions, type Flags } from "../flags";
import { configPath, resolveSourceSettings } from "../settings";
import { openSources } from "../sources";

type DoctorFlags = Flags & {
  readonly out?: string;
  readonly subuid?: string;
  readonly subgid?: string;
  readonly passwd?: string;
  readonly format: "text" | "json";
};

/** `uan-k3s doctor`: every prerequisite uan-k3s can see, as a checklist; exit 1 if one fails. */
export function doctorCommand(program: Command): Command {
  return addSourceOptions(
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
  ).action(async (flags: DoctorFlags) => {
    const doctor = await import("../../doctor");
    const env = process.env;
    const checks = await doctor.runChecks({
      // Not loadSettings: a bad config file is a failed check here, not the end of the run.
      loadConfig: () => loadConfig(configPath(flags, env)),
      openSources: (config) => {
        const settings = resolveSourceSettings(flags, env, config);
        // The checklist says what failed; the sources' own progress lines would only add noise.
        return { ...openSources(settings, new MemoryLog()), hostnames: settings.hostnames };
      },
      out: flags.out,
      subuid: flags.subuid,
      subgid: flags.subgid,
      passwd: flags.passwd,
    });
    const report = doctor.outline(checks);
    process.stdout.write(
      flags.format === "json" ? doctor.renderJson(report) : doctor.renderText(report),
    );
    if (report.failed) process.exitCode = 1;
  });
}
