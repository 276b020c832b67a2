import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { makeBackupDirectory } from "../../core/backup";
import { beginChange, type Change } from "../../core/change";
import { UserError } from "../../core/errors";
import { inspect } from "./disk";
import { readManifest } from "./manifest";
import { MANIFEST_FILE } from "./paths";
import { outcome, type ConflictEntry, type PlanEntry, type WritePlan } from "./plan";

export interface ApplyWriteOptions {
  /** Overwrite (or remove) files uan-k3s did not write or that were edited by hand. @default false */
  readonly force?: boolean;
  /**
   * Overwrite files uan-k3s did not write (HPE's originals, on the first run over a
   * uan-config-management checkout), but not hand edits of its own files. @default false
   */
  readonly takeOver?: boolean;
  /**
   * Where every file that force or takeOver overwrites or removes is first copied, into a new
   * `gen-roles-backup-<time>Z` directory. Required when there is such a file.
   */
  readonly backupDir?: string;
  /** The time the backup directory is named after. @default now */
  readonly now?: Date;
}

/** What applyWrite did; every list is in code-unit order. */
export interface WriteResult {
  /** --out, resolved. */
  readonly dir: string;
  readonly created: readonly string[];
  /** Rewritten files, including conflicting ones overwritten with --force. */
  readonly updated: readonly string[];
  /** Stale files deleted (or found already gone), including edited ones with --force. */
  readonly removed: readonly string[];
  readonly unchanged: readonly string[];
  /** Whether the manifest's bytes changed. */
  readonly manifestWritten: boolean;
  /** The directory holding the files as they were before being overwritten, if any were. */
  readonly backup?: string;
}

/**
 * Makes `dir` match `plan` as one change (core/change.ts): whatever moment the run is killed
 * at, the tree is wholly as it was, or wholly new once the next run has finished the change.
 * Refuses (writing nothing) when the plan has conflicts the options do not allow, or when a
 * file changed since the plan was made. Conflicting files it overwrites or removes are first
 * copied to a backup directory. If it fails before the commit point (a full disk, say),
 * nothing in `dir` has changed.
 */
export function applyWrite(
  dir: string,
  plan: WritePlan,
  options: ApplyWriteOptions = {},
): WriteResult {
  const root = resolve(dir);
  if (root !== plan.dir) throw new Error(`applyWrite: plan is for ${plan.dir}, not ${root}`);
  assertWritable(plan, options);
  if (!plan.changed) {
    // Nothing to write: no lock either, so an up-to-date tree needs no write permission.
    assertUnchangedSincePlan(plan);
    return {
      dir: root,
      created: [],
      updated: [],
      removed: [],
      unchanged: plan.entries.map((entry) => entry.path),
      manifestWritten: false,
    };
  }
  const change = beginChange(root);
  let backup: string | undefined;
  try {
    // Under the lock: no other run can change the tree between this check and the commit.
    assertUnchangedSincePlan(plan);
    backup = backUpConflicts(plan, options);
    const result = stage(change, plan);
    change.commit();
    return { ...result, ...(backup === undefined ? {} : { backup }) };
  } catch (error) {
    // Before the commit point the tree is as it was, so a copy of it is no backup.
    if (backup !== undefined && !change.committed) rmSync(backup, { recursive: true, force: true });
    throw error;
  } finally {
    change.end();
  }
}

/**
 * Refuses, naming each file and why, a plan whose conflicts `options` do not allow: any with
 * force; files uan-k3s did not write with takeOver. Reads nothing, so the CLI can refuse
 * before it changes anything, git branches included.
 */
export function assertWritable(
  plan: WritePlan,
  options: ApplyWriteOptions = {},
  /** The directory the message names. @default plan.dir */
  shownAs = plan.dir,
): void {
  const blocking = plan.conflicts.filter(
    (entry) =>
      options.force !== true && !(options.takeOver === true && entry.reason === "unmanaged"),
  );
  if (blocking.length > 0) throw refusal(shownAs, blocking);
}

function stage(change: Change, plan: WritePlan): Omit<WriteResult, "backup"> {
  const created: string[] = [];
  const updated: string[] = [];
  const removed: string[] = [];
  const unchanged: string[] = [];
  for (const entry of plan.entries) {
    const after = outcome(entry);
    if (entry.action === "unchanged") {
      unchanged.push(entry.path);
    } else if (after === null) {
      change.remove(entry.path);
      removed.push(entry.path);
    } else {
      change.write(entry.path, after.text, after.executable ? 0o755 : 0o644);
      (entry.disk === null ? created : updated).push(entry.path);
    }
  }
  const manifestWritten = readManifest(plan.dir).text !== plan.manifest;
  // Last in the journal: a reader of the manifest finds it only beside the files it lists.
  if (manifestWritten) change.write(MANIFEST_FILE, plan.manifest, 0o644);
  return { dir: plan.dir, created, updated, removed, unchanged, manifestWritten };
}

/** Copies every conflicting file about to be overwritten or removed; its directory, or none. */
function backUpConflicts(plan: WritePlan, options: ApplyWriteOptions): string | undefined {
  const doomed = plan.conflicts.filter((entry) => entry.disk !== null);
  if (doomed.length === 0) return undefined;
  if (options.backupDir === undefined)
    throw new Error("applyWrite: no backupDir for the conflicts");
  const backup = makeBackupDirectory(
    options.backupDir,
    "gen-roles",
    options.now ?? new Date(),
    plan.dir,
  );
  try {
    for (const entry of doomed) {
      const copy = join(backup, entry.path);
      mkdirSync(dirname(copy), { recursive: true, mode: 0o700 });
      const data = readFileSync(join(plan.dir, entry.path));
      writeFileSync(copy, data, { mode: 0o600, flag: "wx" });
    }
  } catch (error) {
    rmSync(backup, { recursive: true, force: true });
    throw new UserError(
      `cannot back up to ${backup}: ${(error as Error).message}`,
      `Nothing was changed in ${plan.dir}. Pass a --backup-dir with room, then re-run.`,
      { cause: error },
    );
  }
  return backup;
}

function refusal(dir: string, conflicts: readonly ConflictEntry[]): UserError {
  const n = conflicts.length;
  const lines = conflicts.map((entry) => `  ${entry.path}: ${entry.why}`);
  const hints: string[] = [];
  if (conflicts.some((entry) => entry.reason === "unmanaged")) {
    hints.push(
      "Files uan-k3s did not write are HPE's originals on the first run over a " +
        "uan-config-management checkout: re-run with --take-over to replace them with the " +
        "generated ones (each is first copied to a backup directory, --backup-dir; in git they " +
        "also stay in the history).",
    );
  }
  if (conflicts.some((entry) => entry.reason === "edited")) {
    hints.push(
      "Files edited by hand since uan-k3s wrote them: move what you need into uan-k3s.yaml " +
        "(--diff shows what would change), then re-run with --force (each is first copied " +
        "to a backup directory, --backup-dir).",
    );
  }
  return new UserError(
    `gen-roles refuses to overwrite ${n} file${n === 1 ? "" : "s"} in ${dir}; ` +
      `nothing was written:\n${lines.join("\n")}`,
    hints.join("\n"),
  );
}

function assertUnchangedSincePlan(plan: WritePlan): void {
  for (const entry of plan.entries) {
    if (!sameDisk(entry, inspect(plan.dir, entry.path))) {
      throw new UserError(
        `${join(plan.dir, entry.path)} changed while gen-roles was running; nothing was written`,
        "Re-run gen-roles once nothing else is editing the checkout.",
      );
    }
  }
}

function sameDisk(entry: PlanEntry, now: ReturnType<typeof inspect>): boolean {
  const then = entry.disk;
  if (then === null || now === null) return then === now;
  return then.hash === now.hash && then.executable === now.executable;
}
