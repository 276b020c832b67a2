import { backupFileName as coreBackupFileName, writeBackupFile } from "../../core/backup";
import { readTextFile } from "../../core/fs";
import { parseJson } from "../../core/json";
import { validate } from "../../core/validate";
import type { SlsNetwork } from "../../schemas/generated/sls";
import { slsNetworkJson } from "../artifacts/render";

/** `sls-CAN-backup-20250417T121043Z.json`: the network's name and the UTC time of the backup. */
export function backupFileName(network: string, at: Date): string {
  return coreBackupFileName(`sls-${network}`, at);
}

/** Saves `network` as a 0600 backup file in `dir`; returns its absolute path. */
export function writeBackup(dir: string, network: SlsNetwork, at: Date): string {
  return writeBackupFile(dir, `sls-${network.Name}`, slsNetworkJson(network), at, "SLS");
}

/** A backup written by writeBackup (or any SLS network JSON file), checked against the schema. */
export function readBackup(file: string): SlsNetwork {
  const data = parseJson(readTextFile(file, "backup"), file);
  return validate<SlsNetwork>(data, "sls.schema.json", file, "SlsNetwork");
}
