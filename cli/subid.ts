import { UserError } from "../core/errors";

type Flags = Readonly<Record<string, string | boolean | undefined>>;

/** A whole number from a flag, or undefined when the flag is absent. */
function wholeNumber(flags: Flags, key: string, flag: string): number | undefined {
  const value = flags[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    throw new UserError(`${flag}: expected a whole number, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/**
 * `uan-k3s subid`: writes subuid/subgid (or checks them with --check), prints the summary and
 * the upload commands on stdout. Never uploads anything itself.
 */
export function runSubid(flags: Flags, write: (text: string) => void): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const subid = require("../subid") as typeof import("../subid");
  const text = (key: string): string | undefined => flags[key] as string | undefined;
  const minUid = wholeNumber(flags, "minUid", "--min-uid");
  if (flags.check === true) {
    const subuid = text("existingSubuid");
    const subgid = text("existingSubgid");
    if (subuid === undefined || subgid === undefined) {
      throw new UserError("--check needs --existing-subuid FILE and --existing-subgid FILE");
    }
    const result = subid.checkSubid({
      existingSubuid: subuid,
      existingSubgid: subgid,
      passwd: text("passwd"),
      minUid,
    });
    write(subid.formatCheck(result));
    if (!result.ok)
      throw new UserError(
        "the subuid/subgid files have errors (listed above)",
        "Fix them, or regenerate them with uan-k3s subid.",
      );
    return;
  }
  const passwd = text("passwd");
  if (passwd === undefined)
    throw new UserError(
      "uan-k3s subid needs --passwd FILE (or --check)",
      "getent passwd > passwd gives one.",
    );
  const result = subid.generateSubid({
    passwd,
    out: text("out"),
    minUid,
    count: wholeNumber(flags, "count", "--count"),
    start: wholeNumber(flags, "start", "--start"),
    existingSubuid: text("existingSubuid"),
    existingSubgid: text("existingSubgid"),
    prune: flags.prune === true,
    forcePrune: flags.forcePrune === true,
  });
  // The summary carries the warnings, as the split report does: one place, not two.
  write(subid.formatSubidResult(result));
}
