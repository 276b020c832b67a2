import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../../core/errors";
import { writeFileAtomic } from "../../core/fs";
import { MAX_CONFIGURATION_NAME, type CfsApiVersion } from "./defaults";
import { configurationJson } from "./render";

/** `20250417T121043`: the UTC time, to the second, as file and configuration names carry it. */
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
 * `<name>-backup-20250417T121043`, as cfs-config-util names its backups, or with `-<copy>`
 * after it when that name is taken. For v3 the name is cut so that the whole fits CFS's 60
 * characters; the stamp is never cut.
 */
export function backupConfigurationName(
  name: string,
  at: Date,
  version: CfsApiVersion,
  copy = 1,
): string {
  const suffix = `-backup-${backupStamp(at)}${copy === 1 ? "" : `-${copy}`}`;
  const room = version === "v3" ? MAX_CONFIGURATION_NAME - suffix.length : name.length;
  return `${name.slice(0, room)}${suffix}`;
}

/**
 * Saves `configuration` in `dir` (created, mode 0700) as a 0600 file written atomically and
 * returns its absolute path. Never replaces an earlier backup: a second one within the same
 * second gets a suffix.
 */
export function writeBackupFile(
  dir: string,
  name: string,
  configuration: object,
  at: Date,
): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UserError(
      `cannot create the backup directory ${dir}: ${(error as Error).message}`,
      "Pass a backup directory this user can write; nothing was changed in CFS.",
      { cause: error },
    );
  }
  const file = backupFileName(name, at);
  let path = resolve(join(dir, file));
  for (let copy = 2; existsSync(path); copy += 1) {
    path = resolve(join(dir, file.replace(/\.json$/, `-${copy}.json`)));
  }
  writeFileAtomic(path, configurationJson(configuration), 0o600);
  return path;
}
