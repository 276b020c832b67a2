import { formatPatch, structuredPatch } from "diff";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { outcome, type PlanEntry, type WritePlan } from "./plan";

const MODE = { file: "100644", script: "100755" } as const;

/**
 * A git-style unified diff (`a/<path>`, `b/<path>`, `/dev/null` for created and removed files,
 * mode lines) from what is in `dir` to what applying `plan` with --force would leave there.
 * Same disk and plan, same bytes; "" when nothing would change. The manifest is left out.
 */
export function renderDiff(dir: string, plan: WritePlan): string {
  const root = resolve(dir);
  if (root !== plan.dir) throw new Error(`renderDiff: plan is for ${plan.dir}, not ${root}`);
  return plan.entries.map((entry) => fileDiff(root, entry)).join("");
}

function fileDiff(root: string, entry: PlanEntry): string {
  if (entry.action === "unchanged") return "";
  const before = entry.disk;
  const after = outcome(entry);
  // A stale file that is already gone has nothing left to show.
  if (before === null && after === null) return "";
  const oldText = before === null ? "" : readFileSync(join(root, entry.path), "utf8");
  const patch = structuredPatch(
    before === null ? "/dev/null" : `a/${entry.path}`,
    after === null ? "/dev/null" : `b/${entry.path}`,
    oldText,
    after === null ? "" : after.text,
    undefined,
    undefined,
    { context: 3 },
  );
  const oldMode = before === null ? undefined : before.executable ? MODE.script : MODE.file;
  const newMode = after === null ? undefined : after.executable ? MODE.script : MODE.file;
  return formatPatch({
    ...patch,
    isGit: true,
    isCreate: before === null,
    isDelete: after === null,
    ...(oldMode !== newMode || before === null || after === null ? { oldMode, newMode } : {}),
  });
}
