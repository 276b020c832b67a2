import { writeBackupFile } from "../../core/backup";
import { UserError } from "../../core/errors";
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

/**
 * A backup written by writeNetworkBackup (or any SLS network JSON file), checked against the
 * schema and whole: restoring PUTs it as the entire network.
 */
export function readNetworkBackup(file: string): SlsNetwork {
  const data = parseJson(readTextFile(file, "backup"), file);
  const network = validate<SlsNetwork>(data, "sls.schema.json", file, "SlsNetwork");
  // SLS answers 500 to a PUT without IPRanges, and one without ExtraProperties would drop
  // every subnet: neither is a network as SLS returns it.
  const missing = (["IPRanges", "ExtraProperties"] as const).filter((key) => !(key in network));
  if (missing.length > 0) {
    throw new UserError(
      `${file} is not a whole SLS network: it has no ${missing.join(" and no ")}`,
      "Restore a backup uan-k3s split --apply wrote (sls-<NET>-backup-<time>.json), or a GET /apis/sls/v1/networks/<NET> saved whole.",
    );
  }
  return network;
}
