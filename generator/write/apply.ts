import { chmodSync, existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UserError } from "../../core/errors";
import { writeFileAtomic } from "../../core/fs";
import { inspect } from "./disk";
import { sha256 } from "./files";
import { readManifest, renderManifest } from "./manifest";
import { MANIFEST_FILE } from "./paths";
import { outcome, type PlanEntry, type WritePlan } from "./plan";

export interface ApplyWriteOptions {
  /** Overwrite (or remove) files that are not uan-k3s's or were edited by hand. @default false */
  readonly force?: boolean;
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
}

/**
 * Makes `dir` match `plan`: refuses (writing nothing) when the plan has conflicts and `force`
 * is off, or when a file changed since the plan was made; then writes and removes files
 * serially in path order, and the manifest last. If a write fails halfway, the manifest is
 * still brought up to date with what was done, so the next run knows its own files.
 */
export function applyWrite(
  dir: string,
  plan: WritePlan,
  options: ApplyWriteOptions = {},
): WriteResult {
  const root = resolve(dir);
  if (root !== plan.dir) throw new Error(`applyWrite: plan is for ${plan.dir}, not ${root}`);
  if (plan.conflicts.length > 0 && options.force !== true) throw refusal(plan);
  assertUnchangedSincePlan(plan);

  const before = readManifest(root);
  const done = new Map(before.files);
  const created: string[] = [];
  const updated: string[] = [];
  const removed: string[] = [];
  const unchanged: string[] = [];
  try {
    for (const entry of plan.entries) {
      const after = outcome(entry);
      if (entry.action === "unchanged") {
        unchanged.push(entry.path);
      } else if (after === null) {
        removeFile(root, entry.path);
        done.delete(entry.path);
        removed.push(entry.path);
      } else {
        writeFile(root, entry.path, after.text, after.executable);
        done.set(entry.path, sha256(after.text));
        (entry.disk === null ? created : updated).push(entry.path);
      }
    }
  } catch (error) {
    if (!sameMap(done, before.files)) {
      try {
        writeFile(root, MANIFEST_FILE, renderManifest(done), false);
      } catch {
        // Report the first failure; the next run takes files holding the new bytes as its own.
      }
    }
    throw error;
  }
  const manifestWritten = plan.manifest !== before.text;
  if (manifestWritten) writeFile(root, MANIFEST_FILE, plan.manifest, false);
  return { dir: root, created, updated, removed, unchanged, manifestWritten };
}

function refusal(plan: WritePlan): UserError {
  const n = plan.conflicts.length;
  const lines = plan.conflicts.map((entry) => `  ${entry.path}: ${entry.why}`);
  return new UserError(
    `gen-roles refuses to overwrite ${n} file${n === 1 ? "" : "s"} in ${plan.dir}; ` +
      `nothing was written:\n${lines.join("\n")}`,
    "Review them (--diff shows what would change) and move anything you need into " +
      "uan-k3s.yaml, then re-run with --force. In a git checkout (the usual --out) --force " +
      "loses nothing git has: commit or stash hand edits first and they stay in its history.",
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

function writeFile(root: string, path: string, text: string, executable: boolean): void {
  const target = join(root, path);
  const mode = executable ? 0o755 : 0o644;
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (error) {
    throw cannot("create the directory of", target, error);
  }
  writeFileAtomic(target, text, mode);
  // The temporary file was created through the umask; the tree should not depend on it.
  chmodSync(target, mode);
}

/**
 * Deletes a file (if it is still there), then the directories left empty, up to (not
 * including) `root`.
 */
function removeFile(root: string, path: string): void {
  const target = join(root, path);
  const empty = (dir: string) => existsSync(dir) && readdirSync(dir).length === 0;
  try {
    rmSync(target, { force: true });
    for (let dir = dirname(target); dir !== root && empty(dir);) {
      rmdirSync(dir);
      dir = dirname(dir);
    }
  } catch (error) {
    throw cannot("remove", target, error);
  }
}

function cannot(what: string, path: string, cause: unknown): UserError {
  return new UserError(
    `cannot ${what} ${path}: ${(cause as Error).message}`,
    "Check that --out is writable, then re-run: the manifest records what was done so far.",
    { cause },
  );
}

function sameMap(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);
}
