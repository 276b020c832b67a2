import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../../core/errors";
import { readTextFile, writeFileAtomic } from "../../core/fs";
import { parseJson } from "../../core/json";
import { validate } from "../../core/validate";
import type { SlsNetwork } from "../../schemas/generated/sls";
import { slsNetworkJson } from "./artifacts";

/** `sls-CAN-backup-20250417T121043Z.json`: the network's name and the UTC time of the backup. */
export function backupFileName(network: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `sls-${network.replace(/[^A-Za-z0-9_-]/g, "_")}-backup-${stamp}.json`;
}

/**
 * Saves `network` in `dir` (created, mode 0700) as a 0600 file written atomically, and returns
 * its absolute path. Never replaces an earlier backup: a second one in the same second (a
 * restore right after an apply) gets a suffix.
 */
export function writeBackup(dir: string, network: SlsNetwork, at: Date): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UserError(
      `cannot create the backup directory ${dir}: ${(error as Error).message}`,
      "Pass a backup directory this user can write; nothing was changed in SLS.",
      { cause: error },
    );
  }
  const name = backupFileName(network.Name, at);
  let path = resolve(join(dir, name));
  for (let copy = 2; existsSync(path); copy += 1) {
    path = resolve(join(dir, name.replace(/\.json$/, `-${copy}.json`)));
  }
  writeFileAtomic(path, slsNetworkJson(network), 0o600);
  return path;
}

/** A backup written by writeBackup (or any SLS network JSON file), checked against the schema. */
export function readBackup(file: string): SlsNetwork {
  const data = parseJson(readTextFile(file, "backup"), file);
  return validate<SlsNetwork>(data, "sls.schema.json", file, "SlsNetwork");
}
