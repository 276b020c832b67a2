import { checkSubid as checkSubidFiles, formatCheck } from "../subid";
import { failure, fail, pass, warn, type Check } from "./check";

const TITLE = "subuid and subgid pass uan-k3s subid --check";

/** subuid and subgid, when given, as `uan-k3s subid --check` sees them. */
export function checkSubid(files: {
  readonly subuid?: string;
  readonly subgid?: string;
  readonly passwd?: string;
}): Check[] {
  const { subuid, subgid } = files;
  if (subuid === undefined && subgid === undefined) return [];
  if (subuid === undefined || subgid === undefined)
    return [fail("subid", TITLE, "give both --subuid and --subgid")];
  try {
    const result = checkSubidFiles({
      existingSubuid: subuid,
      existingSubgid: subgid,
      passwd: files.passwd,
    });
    if (!result.ok) {
      return [
        fail(
          "subid",
          TITLE,
          formatCheck(result).trimEnd(),
          "Fix the files, or regenerate them with uan-k3s subid.",
        ),
      ];
    }
    return [
      result.findings.length === 0
        ? pass("subid", TITLE, `${subuid}, ${subgid}`)
        : warn("subid", TITLE, formatCheck(result).trimEnd(), "See uan-k3s subid --check."),
    ];
  } catch (error) {
    return [failure("subid", TITLE, error)];
  }
}
