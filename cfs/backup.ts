import { backupStamp, writeBackupFile } from "../core/backup";
import { MAX_CONFIGURATION_NAME, type CfsApiVersion } from "./defaults";
import { configurationJson } from "./render";

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

/** Saves `configuration` as a 0600 backup file in `dir`; returns its absolute path. */
export function writeConfigurationBackup(
  dir: string,
  name: string,
  configuration: object,
  at: Date,
): string {
  return writeBackupFile(dir, name, configurationJson(configuration), at, "CFS");
}
