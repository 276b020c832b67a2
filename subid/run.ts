import { shellQuote } from "../core/shell";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../core/errors";
import { recoverChanges, removeStrayTemporaryFiles } from "../core/change";
import { readTextFile } from "../core/fs";
import { checkSubidFiles, type SubidCheckResult } from "./check";
import {
  checkIntegerOption,
  ID_LIMIT,
  MIN_START,
  SUBID_KINDS,
  subidDefaults,
  UPLOAD_BUCKET,
  type SubidKind,
} from "./defaults";
import { eligibleUsers, parsePasswd, type Passwd } from "./passwd";
import { planSubid, type SubidKindPlan, type SubidPlan } from "./plan";
import { emptySubidFile, parseSubidFile, renderSubidFile, type SubidFile } from "./subid-file";
import { writeTogether } from "./write";

/** `uan-k3s subid`: typed flags. Paths are as the admin typed them. */
export interface SubidOptions {
  /** A passwd-format file: `getent passwd` output or an LDAP export. */
  readonly passwd: string;
  /** Where subuid and subgid are written. @default the current directory */
  readonly out?: string;
  /** @default 1000 (subidDefaults.minUid) */
  readonly minUid?: number;
  /** @default 65536 (subidDefaults.count) */
  readonly count?: number;
  /** @default 100000 (subidDefaults.start) */
  readonly start?: number;
  /** The current subuid file, whose ranges are kept. */
  readonly existingSubuid?: string;
  /** The current subgid file, whose ranges are kept. */
  readonly existingSubgid?: string;
  /** Drop the ranges of owners who no longer get one. @default false */
  readonly prune?: boolean;
  /**
   * Let `prune` drop more than a quarter of a file's ranges (refused otherwise: that is what
   * a passwd taken while LDAP was down looks like). Suggested flag: --force-prune. @default false
   */
  readonly forcePrune?: boolean;
}

export interface SubidKindSummary {
  /** User names given a new range, by start. */
  readonly added: readonly string[];
  /** User names whose range was kept as it was, by start. */
  readonly kept: readonly string[];
  /** Owners whose range has no current user, by line: kept in the file unless `pruned`. */
  readonly removed: readonly string[];
  readonly pruned: boolean;
}

export interface SubidResult {
  /** Absolute paths written. */
  readonly files: Readonly<Record<SubidKind, string>>;
  /** Users in passwd who get a range (uid >= min-uid, not nobody). */
  readonly users: number;
  readonly summary: Readonly<Record<SubidKind, SubidKindSummary>>;
  /** The full plan: every range written, added, kept and removed, with lines. */
  readonly plan: SubidPlan;
  /**
   * What uploads the files to the `user` S3 bucket, where the uan_podman role fetches them.
   * Never run by uan-k3s.
   */
  readonly uploadCommands: readonly string[];
  /** Things the admin should read before uploading (for stderr). */
  readonly warnings: readonly string[];
}

/**
 * `uan-k3s subid`: load → plan → render → write. Reads passwd and the existing files,
 * plans every range (see planSubid), and writes subuid and subgid into `out` together.
 */
export function generateSubid(options: SubidOptions): SubidResult {
  const minUid = options.minUid ?? subidDefaults.minUid;
  const count = options.count ?? subidDefaults.count;
  const start = options.start ?? subidDefaults.start;
  checkIntegerOption("--min-uid", minUid, 0, ID_LIMIT - 1);
  checkIntegerOption("--count", count, 1, ID_LIMIT - MIN_START);
  checkIntegerOption(
    "--start",
    start,
    MIN_START,
    ID_LIMIT - 1,
    " (lower ids belong to accounts, local ones too)",
  );
  const out = resolve(options.out ?? ".");
  const files = { subuid: join(out, "subuid"), subgid: join(out, "subgid") };
  // Before anything reads them: a killed run may have been halfway through replacing them.
  const recovered = recoverChanges(out).found === "finished";
  if (existsSync(out)) removeStrayTemporaryFiles(out, SUBID_KINDS);
  const existingPaths = { subuid: options.existingSubuid, subgid: options.existingSubgid };
  for (const kind of SUBID_KINDS) {
    // Writing over a file whose ranges were not read would renumber every user in it.
    if (existingPaths[kind] === undefined && existsSync(files[kind])) {
      throw new UserError(
        `${files[kind]} already exists and --existing-${kind} was not given: its ranges would be lost`,
        `Pass --existing-${kind} ${files[kind]} to keep its ranges, or choose another --out.`,
      );
    }
  }

  const passwd = loadPasswd(options.passwd);
  const existing = {
    subuid: loadSubid("subuid", existingPaths.subuid),
    subgid: loadSubid("subgid", existingPaths.subgid),
  };
  const plan = planSubid({
    passwd,
    existing,
    minUid,
    count,
    start,
    prune: options.prune ?? false,
    forcePrune: options.forcePrune ?? false,
  });
  const users = eligibleUsers(passwd, minUid).length;
  writeTogether(
    out,
    SUBID_KINDS.map((kind) => ({ name: kind, data: renderSubidFile(plan[kind].ranges) })),
  );
  return {
    files,
    users,
    summary: { subuid: summarize(plan.subuid), subgid: summarize(plan.subgid) },
    plan,
    uploadCommands: uploadCommands(files),
    warnings: [
      ...(recovered
        ? [`an interrupted run had begun replacing subuid and subgid in ${out}; finished it first`]
        : []),
      ...warningsFor(existingPaths, users),
    ],
  };
}

/** What could make an upload hurt: files started afresh, or nobody to give ranges to. */
function warningsFor(
  existing: Readonly<Record<SubidKind, string | undefined>>,
  users: number,
): string[] {
  const warnings: string[] = [];
  for (const kind of SUBID_KINDS) {
    if (existing[kind] !== undefined) continue;
    // The one mistake that cannot be undone after the upload: every user renumbered.
    warnings.push(
      `no existing ${kind} was given, so every range in it is new. If the user bucket already has one, fetch it (cray artifacts get ${UPLOAD_BUCKET} ${kind} ${kind}.current) and run again with --existing-${kind} ${kind}.current before uploading: moved ranges orphan users' container storage.`,
    );
  }
  if (users === 0) warnings.push("the passwd file has no users at or above --min-uid");
  return warnings;
}

/** `uan-k3s subid --check`: typed flags. */
export interface SubidCheckOptions {
  /** Enables the real-id, missing-user and unknown-owner checks. */
  readonly passwd?: string;
  readonly existingSubuid: string;
  readonly existingSubgid: string;
  /** @default 1000 (subidDefaults.minUid) */
  readonly minUid?: number;
}

/** `uan-k3s subid --check`: every finding in both files, with file and line. */
export function checkSubid(options: SubidCheckOptions): SubidCheckResult {
  const minUid = options.minUid ?? subidDefaults.minUid;
  checkIntegerOption("--min-uid", minUid, 0, ID_LIMIT - 1);
  return checkSubidFiles({
    subuid: loadSubid("subuid", options.existingSubuid),
    subgid: loadSubid("subgid", options.existingSubgid),
    passwd: options.passwd === undefined ? undefined : loadPasswd(options.passwd),
    minUid,
  });
}

/** `cray artifacts create user <key> <file>` for both files, paths shell-quoted if needed. */
export function uploadCommands(files: Readonly<Record<SubidKind, string>>): string[] {
  return SUBID_KINDS.map(
    (kind) => `cray artifacts create ${UPLOAD_BUCKET} ${kind} ${shellQuote(files[kind])}`,
  );
}

function loadPasswd(path: string): Passwd {
  return parsePasswd(readTextFile(path, "passwd file"), path);
}

function loadSubid(kind: SubidKind, path: string | undefined): SubidFile {
  if (path === undefined) return emptySubidFile(kind, `(no ${kind} file)`);
  return parseSubidFile(readTextFile(path, `${kind} file`), path, kind);
}

function summarize(plan: SubidKindPlan): SubidKindSummary {
  return {
    added: plan.added.map((range) => range.owner),
    kept: plan.kept.map((range) => range.owner),
    removed: plan.removed.map((range) => range.owner),
    pruned: plan.pruned,
  };
}
