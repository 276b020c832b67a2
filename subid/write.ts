import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { UserError } from "../core/errors";

/** The file system calls the writer makes; tests replace one to make it fail. */
export type WriteOps = Pick<
  typeof fs,
  | "openSync"
  | "fchmodSync"
  | "writeFileSync"
  | "fsyncSync"
  | "closeSync"
  | "renameSync"
  | "linkSync"
  | "copyFileSync"
  | "rmSync"
  | "existsSync"
  | "mkdirSync"
>;

export interface FileToWrite {
  readonly path: string;
  readonly data: string;
}

/**
 * Replaces several files together: all of them or none, creating their directories. Each is
 * written to a temporary file beside it and flushed; only when all are on disk are they
 * renamed over their targets. If a rename fails, the files already replaced are put back from
 * hard links (or copies) taken before the first rename. No temporary file is left behind
 * either way. Mode is set exactly (not through the umask): subuid and subgid must be
 * world-readable, 0644.
 */
export function writeTogether(
  files: readonly FileToWrite[],
  mode = 0o644,
  ops: WriteOps = fs,
): void {
  const temps: string[] = [];
  const backups: (string | undefined)[] = [];
  const cleanUp = (): void => {
    for (const path of [...temps, ...backups]) {
      if (path === undefined) continue;
      try {
        ops.rmSync(path, { force: true });
      } catch {
        // Best effort: the error being reported matters more.
      }
    }
  };
  const fail = (path: string, error: unknown): UserError => {
    cleanUp();
    return new UserError(
      `cannot write ${path}: ${(error as Error).message}`,
      `Nothing was changed (${files.map((file) => basename(file.path)).join(" and ")} are as they were). Check that the directory is writable and has space.`,
      { cause: error },
    );
  };

  for (const file of files) {
    try {
      ops.mkdirSync(dirname(file.path), { recursive: true });
    } catch (error) {
      throw fail(file.path, error);
    }
  }

  for (const file of files) {
    const temp = sibling(file.path, "tmp");
    try {
      const fd = ops.openSync(temp, "w", mode);
      temps.push(temp);
      try {
        ops.fchmodSync(fd, mode);
        ops.writeFileSync(fd, file.data);
        ops.fsyncSync(fd);
      } finally {
        ops.closeSync(fd);
      }
    } catch (error) {
      throw fail(file.path, error);
    }
  }

  for (const file of files) {
    if (!ops.existsSync(file.path)) {
      backups.push(undefined);
      continue;
    }
    const backup = sibling(file.path, "old");
    try {
      try {
        ops.linkSync(file.path, backup);
      } catch {
        ops.copyFileSync(file.path, backup);
      }
      backups.push(backup);
    } catch (error) {
      throw fail(file.path, error);
    }
  }

  for (let i = 0; i < files.length; i += 1) {
    try {
      ops.renameSync(temps[i], files[i].path);
    } catch (error) {
      const stuck = undo(files.slice(0, i), backups, ops);
      if (stuck.length === 0) throw fail(files[i].path, error);
      // The old content of those files is only in their backups now: keep and name them.
      for (const backup of stuck) backups[backups.indexOf(backup)] = undefined;
      cleanUp();
      throw new UserError(
        `cannot write ${files[i].path}: ${(error as Error).message}; and could not put back ${stuck.join(", ")}`,
        "The files are out of step: restore them from those backups by hand (mv BACKUP FILE).",
        { cause: error },
      );
    }
  }
  temps.length = 0;
  cleanUp();
  syncDirectories(
    files.map((file) => dirname(file.path)),
    ops,
  );
}

/**
 * Puts back the files already renamed over: their old content from the backup, or no file
 * where there was none. Returns the backups it could not restore.
 */
function undo(
  replaced: readonly FileToWrite[],
  backups: readonly (string | undefined)[],
  ops: WriteOps,
): string[] {
  const stuck: string[] = [];
  replaced.forEach((file, j) => {
    const backup = backups[j];
    try {
      if (backup === undefined) ops.rmSync(file.path, { force: true });
      else ops.renameSync(backup, file.path);
    } catch {
      if (backup !== undefined) stuck.push(backup);
    }
  });
  return stuck;
}

/** A hidden name beside `path` for this process: `.subuid.1234.tmp`. */
function sibling(path: string, suffix: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${suffix}`);
}

/** Flushes the renames themselves, so a crash right after cannot bring the old files back. */
function syncDirectories(dirs: readonly string[], ops: WriteOps): void {
  for (const dir of new Set(dirs)) {
    try {
      const fd = ops.openSync(dir, "r");
      try {
        ops.fsyncSync(fd);
      } finally {
        ops.closeSync(fd);
      }
    } catch {
      // Some file systems refuse to fsync a directory; the files themselves are flushed.
    }
  }
}
