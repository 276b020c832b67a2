import { byCodeUnit } from "../core/order";
import { SUBID_KINDS } from "./defaults";
import { idsWithin } from "./ids";
import { indexPasswd, type Passwd, type PasswdIndex, type PasswdUser } from "./passwd";
import { span, type LineProblemCode, type SubidEntry, type SubidFile } from "./subid-file";

/**
 * What `--check` can find. Errors: `malformed` (not name:start:count), `count` (zero or
 * negative), `limit` (past 2^32 - 2), `duplicate` (a second entry for one user), `overlap`,
 * `real-id` (a range holds a uid of passwd; in subgid, a gid or uid), `missing` (a user of
 * passwd without an entry). Warning: `unknown-owner` (an owner passwd does not know).
 */
export type FindingCode =
  LineProblemCode | "duplicate" | "overlap" | "real-id" | "missing" | "unknown-owner";

export interface SubidFinding {
  readonly level: "error" | "warning";
  readonly code: FindingCode;
  /** The subuid or subgid file, as the admin named it. */
  readonly file: string;
  /** 1-based line of that file; absent for a user without an entry. */
  readonly line?: number;
  readonly message: string;
}

export interface SubidCheckResult {
  /** Every finding: subuid's, then subgid's; by line, then user-level ones. */
  readonly findings: readonly SubidFinding[];
  /** No error-level finding (warnings allowed). The CLI exits 1 when false. */
  readonly ok: boolean;
}

export interface SubidCheckInput {
  readonly subuid: SubidFile;
  readonly subgid: SubidFile;
  /** Optional: without it there is no real-id, missing or unknown-owner check. */
  readonly passwd?: Passwd;
  readonly minUid: number;
}

/** Validates both files; pure. */
export function checkSubidFiles(input: SubidCheckInput): SubidCheckResult {
  const index = input.passwd === undefined ? undefined : indexPasswd(input.passwd, input.minUid);
  const findings = SUBID_KINDS.flatMap((kind) => checkSubidFile(input[kind], index));
  return { findings, ok: !findings.some((finding) => finding.level === "error") };
}

/** How many lines or ids one finding names before it says "and N more". */
const NAMED = 3;

/** The findings of one file, sorted by line; those without a line come last. */
export function checkSubidFile(
  subid: SubidFile,
  index: PasswdIndex | undefined,
  options: {
    /** Report eligible users without an entry. @default true */
    missing?: boolean;
    /** The account of each entry, when the caller resolved them already. */
    owners?: readonly (PasswdUser | undefined)[];
  } = {},
): SubidFinding[] {
  const { file } = subid;
  const findings: SubidFinding[] = subid.problems.map((problem) => ({
    level: "error",
    code: problem.code,
    file,
    line: problem.line,
    message: problem.message,
  }));
  const owners = options.owners ?? subid.entries.map((entry) => index?.resolve(entry.owner));
  const at = (
    line: number,
    code: FindingCode,
    message: string,
    level: SubidFinding["level"] = "error",
  ) => findings.push({ level, code, file, line, message });

  // Duplicates: entries that belong to one user, by name or by numeric uid.
  // Keyed by account where there is one (identity: fast), else by the owner as written.
  const firstOf = new Map<PasswdUser | string, SubidEntry>();
  subid.entries.forEach((entry, i) => {
    const user = owners[i];
    const key = user ?? entry.owner;
    const first = firstOf.get(key);
    if (first === undefined) firstOf.set(key, entry);
    else {
      const who =
        user === undefined || user.name === entry.owner
          ? entry.owner
          : `${entry.owner} (user ${user.name})`;
      at(
        entry.line,
        "duplicate",
        `second entry for ${who}, who already has line ${first.line}: each user should have one range`,
      );
    }
    if (index !== undefined && user === undefined) {
      at(
        entry.line,
        "unknown-owner",
        `${entry.owner} is not in ${index.passwd.file} (a removed user? 'uan-k3s subid --prune' drops the range)`,
        "warning",
      );
    }
  });

  for (const { entry, others, total } of overlaps(subid.entries, NAMED)) {
    const named = others.map((other) => `line ${other.line} (${other.owner} ${span(other)})`);
    const more = total > others.length ? ` and ${total - others.length} more` : "";
    at(
      entry.line,
      "overlap",
      `range ${span(entry)} of ${entry.owner} overlaps ${named.join(", ")}${more}`,
    );
  }

  if (index !== undefined) {
    // subgid ranges are checked against uids too: with user private groups (the usual
    // setup) each uid is also a gid, and passwd shows only primary groups.
    const ids = index.ids[subid.kind === "subuid" ? "uid" : "both"];
    let describe: ((id: number) => string) | undefined;
    for (const entry of subid.entries) {
      const inside = idsWithin(ids, entry.start, entry.count, NAMED);
      if (inside.total === 0) continue;
      describe ??= describer(index.passwd, subid.kind);
      const more = inside.total > NAMED ? ` and ${inside.total - NAMED} more` : "";
      at(
        entry.line,
        "real-id",
        `range ${span(entry)} of ${entry.owner} includes the real ${inside.first.map(describe).join(", ")}${more}: files they own would be reachable from containers`,
      );
    }
  }

  findings.sort(
    (a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || byCodeUnit(a.code, b.code),
  );

  if (index !== undefined && options.missing !== false) {
    for (const user of index.eligible) {
      if (firstOf.has(user)) continue;
      findings.push({
        level: "error",
        code: "missing",
        file,
        message: `user ${user.name} (uid ${user.uid}, ${index.passwd.file}:${user.line}) has no entry: rootless Podman fails for them`,
      });
    }
  }
  return findings;
}

/** Names a real id for a message: `uid 1001 (alice, passwd:3)`; gids first in subgid. */
function describer(passwd: Passwd, kind: SubidFile["kind"]): (id: number) => string {
  const holders = (which: "uid" | "gid") => {
    const map = new Map<number, PasswdUser>();
    for (const user of passwd.users) if (!map.has(user[which])) map.set(user[which], user);
    return map;
  };
  const byUid = holders("uid");
  const byGid = kind === "subgid" ? holders("gid") : new Map<number, PasswdUser>();
  return (id) => {
    const gidOf = byGid.get(id);
    if (gidOf !== undefined) return `gid ${id} (${gidOf.name}, ${passwd.file}:${gidOf.line})`;
    const uidOf = byUid.get(id)!;
    const group = kind === "subgid" ? ", the gid of its user private group" : "";
    return `uid ${id} (${uidOf.name}, ${passwd.file}:${uidOf.line}${group})`;
  };
}

export interface Overlap {
  readonly entry: SubidEntry;
  /** Up to `most` of the entries it overlaps, by line. */
  readonly others: readonly SubidEntry[];
  /** How many entries it overlaps in all. */
  readonly total: number;
}

/**
 * Each entry that overlaps an entry sorted before it (by start, then line), by line. A sweep
 * by start with the open ranges in a heap by end: O(n log n) however many lines overlap, so a
 * broken file of 100,000 lines is still checked at once. Each overlapping pair is counted
 * once, on the later entry; only `most` are named (the first in the heap: deterministic).
 */
export function overlaps(entries: readonly SubidEntry[], most: number): Overlap[] {
  const sorted = [...entries].sort((a, b) => a.start - b.start || a.line - b.line);
  const open = new EndHeap();
  const result: Overlap[] = [];
  for (const entry of sorted) {
    while (open.size > 0 && end(open.peek()) <= entry.start) open.pop();
    if (open.size > 0) {
      const others = open.first(most).sort((a, b) => a.line - b.line);
      result.push({ entry, others, total: open.size });
    }
    open.push(entry);
  }
  return result.sort((a, b) => a.entry.line - b.entry.line);
}

/** A min-heap of entries by end. */
class EndHeap {
  private readonly heap: SubidEntry[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): SubidEntry {
    return this.heap[0];
  }

  first(most: number): SubidEntry[] {
    return this.heap.slice(0, most);
  }

  push(entry: SubidEntry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (end(heap[parent]) <= end(heap[i])) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && end(heap[left]) < end(heap[least])) least = left;
      if (right < heap.length && end(heap[right]) < end(heap[least])) least = right;
      if (least === i) return;
      [heap[least], heap[i]] = [heap[i], heap[least]];
      i = least;
    }
  }
}

const end = (entry: SubidEntry): number => entry.start + entry.count;
