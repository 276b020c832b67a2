import { Option, type Command } from "commander";
import { UserError } from "../../core/errors";
import type { SubidCheckOptions, SubidOptions } from "../../subid";
import { writeStdout } from "../../core/log";
import type { Flags } from "../flags";
import { addHelpFooter } from "../help";

type SubidFlags = Flags & {
  readonly passwd?: string;
  readonly out?: string;
  readonly minUid?: string;
  readonly count?: string;
  readonly start?: string;
  readonly existingSubuid?: string;
  readonly existingSubgid?: string;
  readonly prune?: true;
  readonly forcePrune?: true;
  readonly check?: true;
  readonly format: "text" | "json";
};

/** What the flags ask for: check the existing files, or write new ones. */
type SubidRequest =
  | { readonly kind: "check"; readonly options: SubidCheckOptions }
  | { readonly kind: "generate"; readonly options: SubidOptions };

/**
 * `uan-k3s subid`: writes subuid/subgid (or checks them with --check), prints the summary and
 * the upload commands on stdout. Never uploads anything itself.
 */
export function subidCommand(program: Command): Command {
  const command = program
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
    .addOption(
      new Option("-o, --format <format>", "what to print")
        .choices(["text", "json"])
        .default("text"),
    )
    .action((flags: SubidFlags) => {
      const request = subidRequest(flags);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const subid = require("../../subid") as typeof import("../../subid");
      if (request.kind === "generate") {
        // The summary carries the warnings, as the split report does: one place, not two.
        const result = subid.generateSubid(request.options);
        const { files, users, summary, uploadCommands, warnings } = result;
        writeStdout(
          flags.format === "json"
            ? toJson({ files, users, summary, uploadCommands, warnings })
            : subid.formatSubidResult(result),
        );
        return;
      }
      const result = subid.checkSubid(request.options);
      writeStdout(flags.format === "json" ? toJson(result) : subid.formatCheck(result));
      if (!result.ok)
        throw new UserError(
          "the subuid/subgid files have errors (listed above)",
          "Fix them, or regenerate them with uan-k3s subid.",
        );
    });
  return addHelpFooter(command, [
    "getent passwd > passwd && uan-k3s subid --passwd passwd",
    "uan-k3s subid --passwd passwd --existing-subuid /etc/subuid --existing-subgid /etc/subgid",
    "uan-k3s subid --check --existing-subuid subuid --existing-subgid subgid --passwd passwd",
  ]);
}

const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** The flags as typed options, refusing what cannot go together. */
function subidRequest(flags: SubidFlags): SubidRequest {
  const minUid = wholeNumber(flags.minUid, "--min-uid");
  if (flags.check === true) {
    const { existingSubuid, existingSubgid } = flags;
    if (existingSubuid === undefined || existingSubgid === undefined) {
      throw new UserError("--check needs --existing-subuid FILE and --existing-subgid FILE");
    }
    return {
      kind: "check",
      options: { existingSubuid, existingSubgid, passwd: flags.passwd, minUid },
    };
  }
  if (flags.passwd === undefined)
    throw new UserError(
      "uan-k3s subid needs --passwd FILE (or --check)",
      "getent passwd > passwd gives one.",
    );
  return {
    kind: "generate",
    options: {
      passwd: flags.passwd,
      out: flags.out,
      minUid,
      count: wholeNumber(flags.count, "--count"),
      start: wholeNumber(flags.start, "--start"),
      existingSubuid: flags.existingSubuid,
      existingSubgid: flags.existingSubgid,
      prune: flags.prune === true,
      forcePrune: flags.forcePrune === true,
    },
  };
}

/** A whole number from a flag, or undefined when the flag is absent. */
function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new UserError(`${flag}: expected a whole number, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}
