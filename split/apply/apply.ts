import { shellQuote } from "../../core/shell";
import { dirname } from "node:path";
import { isUserError, UserError } from "../../core/errors";
import type { Log } from "../../core/log";
import { validate } from "../../core/validate";
import type { CsmClient } from "../../csm/api-client";
import { subnetsOf } from "../../inventory/networks";
import type { SlsNetwork } from "../../schemas/generated/sls";
import { readNetworkBackup, writeNetworkBackup } from "./backup";
import { networkChanges } from "./diff";
import { watchWrites } from "./version";
import type { SplitPlanned } from "../plan";

/** The part of the CSM API client that writing SLS needs. */
export type SlsWriter = Pick<CsmClient, "gateway" | "getJson" | "putJson">;

export interface ApplySplitOptions {
  /** Where the backup of the network goes; created (mode 0700) if missing. */
  backupDir: string;
  log: Log;
  /** The clock, for the backup's name. @default () => new Date() */
  now?: () => Date;
}

export interface ApplySplitResult {
  /** Absolute path of the backup: the network as it was read for the plan. */
  backupFile: string;
  /** `uan-k3s split --restore <backupFile> --yes`, the path shell-quoted when needed. */
  undoCommand: string;
  /** The network as SLS has it after the write. */
  network: SlsNetwork;
}

export interface RestoreNetworkOptions {
  log: Log;
  /** The network as the caller showed it to the admin: if SLS now differs, nothing is written. */
  expectedCurrent?: SlsNetwork;
  /** Where the backup of the network as it is before the restore goes. @default the backup file's directory */
  backupDir?: string;
  /** @default () => new Date() */
  now?: () => Date;
}

export interface RestoreNetworkResult {
  /** The backup that was put back. */
  restoredFrom: string;
  /** Absolute path of the backup taken just before the restore. */
  backupFile: string;
  /** The command that undoes the restore. */
  undoCommand: string;
  /** False when SLS already held the backup's content, so nothing was written. */
  written: boolean;
  /** The network as SLS had it just before the restore (what backupFile holds). */
  previous: SlsNetwork;
  /** The network as SLS has it after the restore. */
  network: SlsNetwork;
}

export interface RestorePreview {
  /** The backup, checked against the schema. */
  backup: SlsNetwork;
  /** The network as SLS has it now. */
  current: SlsNetwork;
  /** What the restore would change, SLS now → the backup; empty when they are equal. */
  changes: string[];
}

/**
 * Writes a planned split to SLS (the CLI calls this only with --yes, after showing the plan):
 * back up the network as read, re-read it and stop if it changed since the plan, PUT the new
 * network, then read it back and check that the write took. SLS has no ETag or If-Match, so
 * the re-read is the only guard against overwriting someone else's change.
 */
export async function applySplit(
  client: SlsWriter,
  plan: SplitPlanned,
  options: ApplySplitOptions,
): Promise<ApplySplitResult> {
  const { log } = options;
  const net = plan.net;
  if (plan.networkBefore.Name !== net || plan.networkAfter.Name !== net) {
    throw new Error(`plan for ${net} carries the network ${plan.networkAfter.Name}`);
  }
  const backupFile = writeNetworkBackup(options.backupDir, plan.networkBefore, clock(options)());
  const undoCommand = restoreCommand(backupFile);
  log.info(`saved ${net} as read to ${backupFile}`);

  const watch = await watchWrites(client, log);
  const current = await readNetwork(client, net, (error) =>
    notWritten(`Re-reading ${net} before the write failed: ${error.message}`, error),
  );
  const changes = networkChanges(plan.networkBefore, current, { stamps: true });
  if (changes.length > 0) {
    throw notWritten(`${net} changed in SLS since it was planned: ${changes.join("; ")}`);
  }
  log.info(`${net} is unchanged since it was planned; writing it`);
  await putNetwork(client, plan.networkAfter, {
    intact: `the backup ${backupFile} is intact`,
    next: `if it changed, put it back with: ${undoCommand}`,
  });

  const stored = await readNetwork(client, net, (error) =>
    unverified(`Reading ${net} back after the write failed: ${error.message}`, undoCommand, error),
  );
  const problems = [
    ...placementProblems(plan, stored),
    ...networkChanges(plan.networkAfter, stored, { stamps: false }),
  ];
  if (problems.length > 0) {
    throw unverified(
      `SLS does not hold the planned ${net}: ${problems.join("; ")}. The write did not take; restore with ${undoCommand}`,
      undoCommand,
    );
  }
  log.info(`${net} now has ${JSON.stringify(plan.k3s.FullName)} ${plan.k3s.CIDR}`);
  await watch.check(net, 1);
  return { backupFile, undoCommand, network: stored };
}

/**
 * What `uan-k3s split --restore BACKUP` without --yes shows: what putting the backup (read
 * with readNetworkBackup) back would change in SLS. Reads only.
 */
export async function previewRestore(
  client: SlsWriter,
  backup: SlsNetwork,
): Promise<RestorePreview> {
  const current = await readNetwork(client, backup.Name, (error) =>
    notWritten(`Reading ${backup.Name} from SLS failed: ${error.message}`, error),
  );
  return { backup, current, changes: networkChanges(current, backup, { stamps: false }) };
}

/**
 * Puts a backup back (`uan-k3s split --restore BACKUP --yes`): read and check the backup,
 * back up the network as it is now, PUT the backup, read it back and check it.
 */
export async function restoreNetwork(
  client: SlsWriter,
  backupFile: string,
  options: RestoreNetworkOptions,
): Promise<RestoreNetworkResult> {
  const { log } = options;
  const backup = readNetworkBackup(backupFile);
  const net = backup.Name;
  const watch = await watchWrites(client, log);
  const current = await readNetwork(client, net, (error) =>
    notWritten(`Reading ${net} before the restore failed: ${error.message}`, error),
  );
  if (options.expectedCurrent !== undefined) {
    const changes = networkChanges(options.expectedCurrent, current, { stamps: true });
    if (changes.length > 0) {
      throw notWritten(`${net} changed in SLS since it was shown: ${changes.join("; ")}`);
    }
  }
  const freshBackup = writeNetworkBackup(
    options.backupDir ?? dirname(backupFile),
    current,
    clock(options)(),
  );
  const undoCommand = restoreCommand(freshBackup);
  log.info(`saved ${net} as it is before the restore to ${freshBackup}`);
  if (networkChanges(backup, current, { stamps: false }).length === 0) {
    log.info(`${net} in SLS already equals ${backupFile}; nothing to write`);
    return {
      restoredFrom: backupFile,
      backupFile: freshBackup,
      undoCommand,
      written: false,
      previous: current,
      network: current,
    };
  }
  await putNetwork(client, backup, {
    intact: `${backupFile} and ${freshBackup} (the network before the restore) are intact`,
    next: `run the same restore again to finish it, or undo it with: ${undoCommand}`,
  });
  const stored = await readNetwork(client, net, (error) =>
    unverified(
      `Reading ${net} back after the restore failed: ${error.message}`,
      undoCommand,
      error,
    ),
  );
  const problems = networkChanges(backup, stored, { stamps: false });
  if (problems.length > 0) {
    throw new UserError(
      `SLS does not hold ${net} as in ${backupFile}: ${problems.join("; ")}. The restore did not take.`,
      `Both backups are intact: ${backupFile} and ${freshBackup} (the network just before the restore). Try the restore again.`,
    );
  }
  log.info(`${net} restored from ${backupFile}`);
  await watch.check(net, 1);
  return {
    restoredFrom: backupFile,
    backupFile: freshBackup,
    undoCommand,
    written: true,
    previous: current,
    network: stored,
  };
}

function networkPath(name: string): string {
  return `/apis/sls/v1/networks/${encodeURIComponent(name)}`;
}

/** GETs the network from the server (never the cache) and checks its shape. */
async function readNetwork(
  client: SlsWriter,
  name: string,
  failed: (error: UserError) => UserError,
): Promise<SlsNetwork> {
  const path = networkPath(name);
  try {
    const data = await client.getJson(path, { cached: false });
    return validate<SlsNetwork>(data, "sls.schema.json", client.gateway + path, "SlsNetwork");
  } catch (error) {
    if (isUserError(error)) throw failed(error);
    throw error;
  }
}

/** A PUT whose failure leaves SLS unknown: its request may have reached the server. */
async function putNetwork(
  client: SlsWriter,
  network: SlsNetwork,
  after: { intact: string; next: string },
): Promise<void> {
  const path = networkPath(network.Name);
  try {
    await client.putJson(path, network);
  } catch (error) {
    if (!isUserError(error)) throw error;
    throw new UserError(
      `${error.message}. SLS may or may not have changed; ${after.intact}.`,
      `Check ${network.Name} with GET ${client.gateway}${path} (cray sls networks describe ${network.Name}); ${after.next}`,
      { cause: error },
    );
  }
}

function notWritten(message: string, cause?: UserError): UserError {
  return new UserError(
    `${message}. Nothing was written to SLS.`,
    cause?.hint ??
      "Run uan-k3s split again to plan against SLS as it is now, and check what changed.",
    cause === undefined ? undefined : { cause },
  );
}

function unverified(message: string, undoCommand: string, cause?: UserError): UserError {
  return new UserError(
    message,
    `Check the network in SLS; to put it back as it was: ${undoCommand}`,
    cause === undefined ? undefined : { cause },
  );
}

/** Where the K3s subnet must be: present once, after the original, with the planned CIDR. */
function placementProblems(plan: SplitPlanned, network: SlsNetwork): string[] {
  const subnets = subnetsOf(network);
  const k3s = subnets.filter((subnet) => subnet.FullName === plan.k3s.FullName);
  const name = JSON.stringify(plan.k3s.FullName);
  if (k3s.length !== 1) return [`it has ${k3s.length} subnets ${name}, not one`];
  const problems: string[] = [];
  const original = subnets.findIndex((subnet) => subnet.FullName === plan.lower.FullName);
  // The UAN role takes the first subnet whose FullName starts with the original's.
  if (original === -1 || original > subnets.indexOf(k3s[0])) {
    problems.push(`${name} is not after ${JSON.stringify(plan.lower.FullName)}`);
  }
  if (k3s[0].CIDR !== plan.k3s.CIDR) {
    problems.push(`${name} has CIDR ${k3s[0].CIDR}, not the planned ${plan.k3s.CIDR}`);
  }
  return problems;
}

function clock(options: { now?: () => Date }): () => Date {
  return options.now ?? (() => new Date());
}

/** The command that puts a backup back. */
export function restoreCommand(backupFile: string): string {
  return `uan-k3s split --restore ${shellQuote(backupFile)} --yes`;
}
