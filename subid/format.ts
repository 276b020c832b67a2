import type { SubidCheckResult, SubidFinding } from "./check";
import { SUBID_KINDS } from "./defaults";
import type { SubidResult } from "./run";

/** `file:line: level: message`, the line left out when the finding has none. */
export function formatFinding(finding: SubidFinding): string {
  const where = finding.line === undefined ? finding.file : `${finding.file}:${finding.line}`;
  return `${where}: ${finding.level}: ${finding.message}`;
}

/** Every finding on its own line, then a count: what `--check` prints. */
export function formatCheck(result: SubidCheckResult): string {
  const errors = result.findings.filter((finding) => finding.level === "error").length;
  const warnings = result.findings.length - errors;
  const lines = result.findings.map(formatFinding);
  lines.push(
    result.ok && warnings === 0
      ? "subuid and subgid: no problems found"
      : `${plural(errors, "error")}, ${plural(warnings, "warning")}`,
  );
  return `${lines.join("\n")}\n`;
}

/** How many names a summary line shows before "and N more". */
const SHOWN = 10;

/**
 * What `uan-k3s subid` tells the admin: per file what changed, the warnings, then the upload
 * commands.
 */
export function formatSubidResult(result: SubidResult): string {
  const lines: string[] = [];
  for (const kind of SUBID_KINDS) {
    const { added, kept, removed, pruned } = result.summary[kind];
    lines.push(`${result.files[kind]}: ${plural(result.plan[kind].ranges.length, "range")}`);
    lines.push(`  added: ${names(added)}`);
    lines.push(`  kept:  ${names(kept)}`);
    if (removed.length > 0) {
      lines.push(
        `  ${pruned ? "pruned" : "removed from passwd but kept (--prune drops them)"}: ${names(removed)}`,
      );
    }
  }
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  lines.push("Upload them to the user S3 bucket, where the uan_podman role fetches them:");
  for (const command of result.uploadCommands) lines.push(`  ${command}`);
  lines.push(
    "Every CFS run of k3s.yml then installs them on the K3s nodes (objects subuid and subgid of bucket user, with the system's S3 credentials); no URL to set.",
  );
  return `${lines.join("\n")}\n`;
}

function names(list: readonly string[]): string {
  if (list.length === 0) return "none";
  const shown = list.slice(0, SHOWN).join(", ");
  return list.length > SHOWN ? `${list.length}: ${shown} and ${list.length - SHOWN} more` : shown;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
