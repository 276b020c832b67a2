import { Option, type Command } from "commander";
import { addSourceOptions, type Flags } from "../flags";

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
    const { renderChecklist, runDoctor } = await import("../doctor");
    const checks = await runDoctor(
      {
        out: flags.out,
        subuid: flags.subuid,
        subgid: flags.subgid,
        passwd: flags.passwd,
        format: flags.format,
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
}
