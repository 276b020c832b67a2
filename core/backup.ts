import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "./errors";
import { writeFileAtomic } from "./fs";

/** `20250417T121043`: the UTC time, to the second, as backup names carry it. */
export function backupStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "");
}

/** `<name>-backup-20250417T121043Z.json`, with characters unsafe in a file name replaced. */
export function backupFileName(name: string, at: Date): string {
  return `${name.replace(/[^\w.-]/g, "_")}-backup-${backupStamp(at)}Z.json`;
}

/**
 * Saves `text` in `dir` (created, mode 0700) as `<name>-backup-<time>Z.json`, a 0600 file
 * written atomically, and returns its absolute path. Never replaces an earlier backup: a
 * second one in the same second (a restore right after an apply) gets a suffix. `service`
 * names what was not changed when the directory cannot be made.
 */
export function writeBackupFile(
  dir: string,
  name: string,
  text: string,
  at: Date,
  service: string,
): string {
  makeBackupParent(dir, service);
  const file = backupFileName(name, at);
  let path = resolve(join(dir, file));
  for (let copy = 2; existsSync(path); copy += 1) {
    path = resolve(join(dir, file.replace(/\.json$/, `-${copy}.json`)));
  }
  writeFileAtomic(path, text, 0o600);
  return path;
}

/**
 * Makes a new, empty directory `<name>-backup-<time>Z` (mode 0700) in `dir` (created, mode
 * 0700), with a suffix if that name is taken, and returns its absolute path.
 */
export function makeBackupDirectory(dir: string, name: string, at: Date, service: string): string {
  makeBackupParent(dir, service);
  const base = resolve(join(dir, `${name.replace(/[^\w.-]/g, "_")}-backup-${backupStamp(at)}Z`));
  for (let copy = 1; ; copy += 1) {
    const path = copy === 1 ? base : `${base}-${copy}`;
    try {
      mkdirSync(path, { mode: 0o700 });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw cannotCreate(path, service, error);
    }
  }
}

function makeBackupParent(dir: string, service: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw cannotCreate(dir, service, error);
  }
}

function cannotCreate(dir: string, service: string, cause: unknown): UserError {
  return new UserError(
    `cannot create the backup directory ${dir}: ${(cause as Error).message}`,
    `Pass a backup directory this user can write; nothing was changed in ${service}.`,
    { cause },
  );
}
