import { UserError } from "../core/errors";
import { byCodeUnit } from "../core/order";
import { checkSubidFile } from "./check";
import { ID_LIMIT, NOBODY_UIDS, SUBID_KINDS, type SubidKind } from "./defaults";
import { lowerBound, lowerBoundBy } from "./ids";
import { indexPasswd, type Passwd, type PasswdIndex, type PasswdUser } from "./passwd";
import { problemsError } from "./problems";
import { byStartThenOwner, type SubidEntry, type SubidFile, type SubidRange } from "./subid-file";

export interface SubidPlanInput {
  readonly passwd: Passwd;
  /** The current files (empty ones when there are none). */
  readonly existing: Readonly<Record<SubidKind, SubidFile>>;
  readonly minUid: number;
  /** Ids in each new range. */
  readonly count: number;
  /** Where new ranges begin when no existing range ends higher. */
  readonly start: number;
  /** Drop the ranges of owners that are not users who get ranges. */
  readonly prune: boolean;
  /**
   * Prune even when that drops more than a quarter of a file's ranges (and more than 10),
   * which is refused otherwise: it is what an incomplete passwd looks like. @default false
   */
  readonly forcePrune?: boolean;
}

/** Pruning more than this share of a file's ranges (and more than MASS_PRUNE_MIN) needs forcePrune. */
const MASS_PRUNE_SHARE = 0.25;
const MASS_PRUNE_MIN = 10;

/** Why an existing range has no user to keep it for. */
export type RemovedReason = "not-in-passwd" | "below-min-uid" | "nobody";

export interface RemovedRange extends SubidRange {
  /** Its line in the existing file. */
  readonly line: number;
  readonly reason: RemovedReason;
}

export interface SubidKindPlan {
  /** What the file will hold, sorted by start. */
  readonly ranges: readonly SubidRange[];
  /** New ranges, by start; `owner` is the user name. */
  readonly added: readonly SubidRange[];
  /** Existing ranges of current users, exactly as they were, by start. */
  readonly kept: readonly SubidRange[];
  /** Existing ranges of owners who get no range now, by line: written unless `pruned`. */
  readonly removed: readonly RemovedRange[];
  /** Whether `removed` was left out of `ranges`. */
  readonly pruned: boolean;
}

export type SubidPlan = Readonly<Record<SubidKind, SubidKindPlan>>;

/**
 * Plans both files; pure and deterministic (the order of the passwd file does not matter).
 *
 * - A user who has a range keeps it exactly: renumbering would orphan their container storage.
 * - Existing files with errors `--check` would report (other than users without entries) are
 *   refused, listing every problem: carrying an overlap or a real uid forward is not safe.
 * - A user missing from one file only gets, in that file, the start of their range in the
 *   other one when those ids are free there, so that the two files match where they can.
 * - Everyone else new gets, by uid then name, the next free ids above the highest existing end
 *   in either file (first fit after the top; holes below are not reused, and neither are
 *   pruned ranges, whose ids may still own files). A user new to both files gets the same
 *   start in both.
 * - No new range holds a uid or gid of passwd (any account): it moves past it.
 */
export function planSubid(input: SubidPlanInput): SubidPlan {
  const { count, prune } = input;
  const index = indexPasswd(input.passwd, input.minUid);
  const sides = {
    subuid: sortOut(input.existing.subuid, index),
    subgid: sortOut(input.existing.subgid, index),
  };
  refuseBrokenFiles(input, index, sides);
  if (prune && input.forcePrune !== true) refuseMassPrune(input, sides);
  const reserved = index.ids.both;
  const added: Record<SubidKind, SubidRange[]> = { subuid: [], subgid: [] };
  const has = (kind: SubidKind, user: PasswdUser) => sides[kind].kept.has(user);

  // Users missing from one file only: the start they have in the other, if free here.
  const unmatched: Record<SubidKind, Set<PasswdUser>> = { subuid: new Set(), subgid: new Set() };
  let top = Math.max(input.start, topOf(sides.subuid.all), topOf(sides.subgid.all));
  for (const [kind, other] of [
    ["subuid", "subgid"],
    ["subgid", "subuid"],
  ] as const) {
    const wanted = index.eligible
      .filter((user) => !has(kind, user) && has(other, user))
      .map((user) => ({ user, start: sides[other].kept.get(user)!.start }))
      .sort((a, b) => a.start - b.start || byCodeUnit(a.user.name, b.user.name));
    let end = 0; // of the ranges taken in this loop, which come in order of start
    for (const { user, start } of wanted) {
      if (
        start >= end &&
        start + count <= ID_LIMIT &&
        !overlapsAny(sides[kind].all, start, count) &&
        !containsAny(reserved, start, count)
      ) {
        added[kind].push({ owner: user.name, start, count });
        end = start + count;
        top = Math.max(top, end);
      } else {
        unmatched[kind].add(user);
      }
    }
  }

  // Everyone else, above everything; a user new to both files gets one start for both.
  const queue = index.eligible.filter(
    (user) =>
      (!has("subuid", user) && !has("subgid", user)) ||
      unmatched.subuid.has(user) ||
      unmatched.subgid.has(user),
  );
  const next = cursor(reserved, top, count);
  queue.forEach((user, position) => {
    const start = next();
    if (start === undefined) throw outOfIds(user, queue.length - position, count);
    if (!has("subuid", user)) added.subuid.push({ owner: user.name, start, count });
    if (!has("subgid", user)) added.subgid.push({ owner: user.name, start, count });
  });

  const plan = (kind: SubidKind): SubidKindPlan => {
    const { removed } = sides[kind];
    // One copy of each kept range serves both lists: a site's whole file is kept ranges.
    const kept = byStart([...sides[kind].kept.values()].map(rangeOf));
    return {
      ranges: byStart([...kept, ...added[kind], ...(prune ? [] : removed.map(rangeOf))]),
      added: byStart(added[kind]),
      kept,
      removed,
      pruned: prune,
    };
  };
  return { subuid: plan("subuid"), subgid: plan("subgid") };
}

/**
 * Hands out starts of `count` ids from `from` upwards, each past the previous one and past
 * every id of `reserved` (ascending) that would fall inside it; undefined once past ID_LIMIT.
 */
function cursor(reserved: Uint32Array, from: number, count: number): () => number | undefined {
  let next = from;
  let blocker = lowerBound(reserved, next); // the first reserved id not below `next`
  return () => {
    for (;;) {
      while (blocker < reserved.length && reserved[blocker] < next) blocker += 1;
      if (blocker >= reserved.length || reserved[blocker] >= next + count) break;
      next = reserved[blocker] + 1;
    }
    if (next + count > ID_LIMIT) return undefined;
    const start = next;
    next += count;
    return start;
  };
}

/** One existing file sorted out: whose ranges stay, whose owner is gone. */
interface Side {
  /** Every valid entry, sorted by start: nothing new may overlap any of them. */
  readonly all: readonly SubidEntry[];
  /** For each entry (same index as the file's), the account it belongs to. */
  readonly owners: readonly (PasswdUser | undefined)[];
  /** By account (identity: faster than by name), the entry of each user who gets a range. */
  readonly kept: ReadonlyMap<PasswdUser, SubidEntry>;
  readonly removed: readonly RemovedRange[];
}

function sortOut(file: SubidFile, index: PasswdIndex): Side {
  const kept = new Map<PasswdUser, SubidEntry>();
  const removed: RemovedRange[] = [];
  const owners = file.entries.map((entry) => index.resolve(entry.owner));
  file.entries.forEach((entry, i) => {
    const user = owners[i];
    if (user !== undefined && index.isEligible(user)) {
      // Duplicates are refused before this matters; the first entry would win.
      if (!kept.has(user)) kept.set(user, entry);
      return;
    }
    const reason: RemovedReason =
      user === undefined
        ? "not-in-passwd"
        : NOBODY_UIDS.includes(user.uid)
          ? "nobody"
          : "below-min-uid";
    removed.push({ ...rangeOf(entry), line: entry.line, reason });
  });
  return { all: [...file.entries].sort((a, b) => a.start - b.start), owners, kept, removed };
}

/**
 * Refuses existing files with what `--check` calls an error, except users without entries
 * (the point of generating) and real ids inside ranges about to be pruned.
 */
function refuseBrokenFiles(
  input: SubidPlanInput,
  index: PasswdIndex,
  sides: Readonly<Record<SubidKind, Side>>,
): void {
  const problems: string[] = [];
  SUBID_KINDS.forEach((kind) => {
    const { owners, removed } = sides[kind];
    const prunedLines = new Set(input.prune ? removed.map((range) => range.line) : []);
    const findings = checkSubidFile(input.existing[kind], index, { missing: false, owners });
    for (const finding of findings) {
      if (finding.level !== "error" || finding.code === "missing") continue;
      if (finding.code === "real-id" && prunedLines.has(finding.line!)) continue;
      problems.push(`${finding.file}:${finding.line}: ${finding.message}`);
    }
  });
  if (problems.length > 0) {
    throw problemsError(
      "the existing subuid/subgid files have problems that must not be carried forward",
      problems,
      "Fix those lines by hand, keeping every user's range where it is if you can (moving a range orphans that user's container storage), check with 'uan-k3s subid --check', then run again.",
    );
  }
}

/**
 * `getent passwd` on a node whose directory service is down lists only local accounts; pruning
 * against that would drop nearly every range, and renumber everyone on the next run.
 */
function refuseMassPrune(input: SubidPlanInput, sides: Readonly<Record<SubidKind, Side>>): void {
  for (const kind of SUBID_KINDS) {
    const dropped = sides[kind].removed.length;
    const total = input.existing[kind].entries.length;
    if (dropped > MASS_PRUNE_MIN && dropped > total * MASS_PRUNE_SHARE) {
      throw new UserError(
        `--prune would drop ${dropped} of the ${total} ranges in ${input.existing[kind].file}: is ${input.passwd.file} complete?`,
        "A passwd file taken while LDAP or sssd was down lists only local accounts. Check it (the removed users are in the report without --prune); to prune that many on purpose, pass --force-prune.",
      );
    }
  }
}

function outOfIds(user: PasswdUser, pending: number, count: number): UserError {
  return new UserError(
    `out of subordinate ids: ${pending} user${pending === 1 ? "" : "s"} (from ${user.name}, uid ${user.uid}) still need ${count} ids each, and ids must stay below ${ID_LIMIT}`,
    "Give each new user fewer ids with --count, or start lower with --start if no existing range is higher.",
  );
}

function rangeOf(range: SubidRange): SubidRange {
  return { owner: range.owner, start: range.start, count: range.count };
}

function byStart<T extends SubidRange>(ranges: readonly T[]): T[] {
  return [...ranges].sort(byStartThenOwner);
}

function topOf(ranges: readonly SubidEntry[]): number {
  let top = 0;
  for (const range of ranges) top = Math.max(top, range.start + range.count);
  return top;
}

/** Whether [start, start + count) meets any of `sorted` (by start, not overlapping). */
function overlapsAny(sorted: readonly SubidEntry[], start: number, count: number): boolean {
  // The last range starting before our end is the only one that can reach into us.
  const low = lowerBoundBy(sorted, start + count, (range) => range.start);
  return low > 0 && sorted[low - 1].start + sorted[low - 1].count > start;
}

function containsAny(sortedIds: Uint32Array, start: number, count: number): boolean {
  const index = lowerBound(sortedIds, start);
  return index < sortedIds.length && sortedIds[index] < start + count;
}
