import { writeBackupFile } from "../../core/backup";
import { readTextFile } from "../../core/fs";
import { parseJson } from "../../core/json";
import { validate } from "../../core/validate";
import type { SlsNetwork } from "../../schemas/generated/sls";
import { slsNetworkJson } from "../artifacts/render";

/**
 * Saves `network` as a 0600 backup file in `dir`, named like `sls-CAN-backup-20250417T121043Z.json`
 * (the network's name and the UTC time); returns its absolute path.
 */
export function writeNetworkBackup(dir: string, network: SlsNetwork, at: Date): string {
  return writeBackupFile(dir, `sls-${network.Name}`, slsNetworkJson(network), at, "SLS");
}

/** A backup written by writeNetworkBackup (or any SLS network JSON file), checked against the schema. */
export function readNetworkBackup(file: string): SlsNetwork {
  const data = parseJson(readTextFile(file, "backup"), file);
  return validate<SlsNetwork>(data, "sls.schema.json", file, "SlsNetwork");
}
