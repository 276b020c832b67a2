import { expect } from "chai";
import fc from "fast-check";
import {
  checkSubidFiles,
  eligibleUsers,
  ID_LIMIT,
  parsePasswd,
  parseSubidFile,
  planSubid,
  renderSubidFile,
  type Passwd,
  type SubidKind,
  type SubidPlan,
  type SubidRange,
} from "../../subid";
import { passwdText, type Account } from "./helpers";

const MIN_UID = 1000;

/** Accounts with distinct names; uids and gids anywhere a range might go, nobody included. */
const accountsArb = fc
  .uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/),
      uid: fc.oneof(
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 60000, max: 600000 }),
        fc.constantFrom(65534, 4294967294),
      ),
      gid: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 60000, max: 600000 })),
    }),
    { selector: (account) => account.name, maxLength: 25 },
  )
  .map((list) => list.map(({ name, uid, gid }): Account => [name, uid, gid]));

/** Candidate lines for an existing file: owners from passwd (by name or uid) or gone. */
const candidatesArb = fc.array(
  fc.record({
    who: fc.oneof(fc.nat(30), fc.constantFrom("ghost", "gone", "olduser")),
    byUid: fc.boolean(),
    start: fc.integer({ min: 65536, max: 900000 }),
    count: fc.integer({ min: 1, max: 70000 }),
  }),
  { maxLength: 20 },
);

type Candidate = { who: number | string; byUid: boolean; start: number; count: number };

/**
 * A valid existing file built from candidates: later lines that would duplicate a user,
 * overlap a range or hold a real id are dropped, as an admin would fix them.
 */
function existingFile(kind: SubidKind, passwd: Passwd, candidates: readonly Candidate[]): string {
  const { users } = passwd;
  const taken: SubidRange[] = [];
  const owners = new Set<string>();
  // As --check sees it: uids for subuid; gids and uids (user private groups) for subgid.
  const real = users.flatMap((user) => (kind === "subuid" ? [user.uid] : [user.gid, user.uid]));
  for (const { who, byUid, start, count } of candidates) {
    let owner = String(who);
    let key = owner;
    if (typeof who === "number") {
      if (users.length === 0) continue;
      const user = users[who % users.length];
      key = user.name;
      owner = user.name;
      if (byUid) {
        // Numeric owners only where the uid leads back to this user (the first name sharing it)
        // and is nobody's name.
        const sharing = users.filter((other) => other.uid === user.uid && other.name < user.name);
        if (sharing.length > 0 || users.some((other) => other.name === String(user.uid))) continue;
        owner = String(user.uid);
      }
    }
    if (owners.has(key)) continue;
    if (taken.some((range) => start < range.start + range.count && range.start < start + count))
      continue;
    if (real.some((id) => id >= start && id < start + count)) continue;
    owners.add(key);
    taken.push({ owner, start, count });
  }
  return taken.map((range) => `${range.owner}:${range.start}:${range.count}\n`).join("");
}

const inputArb = fc.record({
  accounts: accountsArb,
  subuid: candidatesArb,
  subgid: candidatesArb,
  count: fc.integer({ min: 1, max: 70000 }),
  start: fc.integer({ min: 65536, max: 700000 }),
  prune: fc.boolean(),
});

interface Input {
  accounts: Account[];
  subuid: Candidate[];
  subgid: Candidate[];
  count: number;
  start: number;
  prune: boolean;
}

/**
 * Builds the existing files from `input.accounts` and plans, with passwd in the order of
 * `planned` (the same accounts, perhaps shuffled).
 */
function setUp(input: Input, planned: readonly Account[] = input.accounts) {
  const original = parsePasswd(passwdText(input.accounts), "passwd");
  const passwd = parsePasswd(passwdText(planned), "passwd");
  const text = {
    subuid: existingFile("subuid", original, input.subuid),
    subgid: existingFile("subgid", original, input.subgid),
  };
  const existing = {
    subuid: parseSubidFile(text.subuid, "subuid", "subuid"),
    subgid: parseSubidFile(text.subgid, "subgid", "subgid"),
  };
  const plan = planSubid({
    passwd,
    existing,
    minUid: MIN_UID,
    count: input.count,
    start: input.start,
    prune: input.prune,
    forcePrune: true, // the mass-prune guard has its own test
  });
  return { passwd, existing, plan };
}

const KINDS: readonly SubidKind[] = ["subuid", "subgid"];
const key = (range: SubidRange) => `${range.owner}:${range.start}:${range.count}`;

function noOverlaps(ranges: readonly SubidRange[]): void {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i += 1) {
    expect(
      sorted[i - 1].start + sorted[i - 1].count,
      `${key(sorted[i - 1])} / ${key(sorted[i])}`,
    ).to.be.at.most(sorted[i].start);
  }
}

describe("subid: planSubid properties", () => {
  it("never overlaps, never holds a real uid or gid in a new range, stays in 32 bits", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { passwd, plan } = setUp(input);
        const ids = passwd.users.flatMap((user) => [user.uid, user.gid]);
        for (const kind of KINDS) {
          noOverlaps(plan[kind].ranges);
          for (const range of plan[kind].ranges) {
            expect(range.count).to.be.greaterThan(0);
            expect(range.start + range.count).to.be.at.most(ID_LIMIT);
          }
          for (const range of plan[kind].added) {
            expect(
              ids.filter((id) => id >= range.start && id < range.start + range.count),
              key(range),
            ).to.deep.equal([]);
            expect(range.count).to.equal(input.count);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps every current user's range exactly, gives each user one range, prunes only when asked", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { passwd, existing, plan } = setUp(input);
        const users = eligibleUsers(passwd, MIN_UID).map((user) => user.name);
        for (const kind of KINDS) {
          const written = new Set(plan[kind].ranges.map(key));
          const keptOrRemoved = [...plan[kind].kept, ...plan[kind].removed].map(key).sort();
          // Every existing line is either kept (exactly) or reported as removed.
          expect(keptOrRemoved).to.deep.equal(existing[kind].entries.map(key).sort());
          for (const range of plan[kind].kept) expect(written.has(key(range))).to.equal(true);
          for (const range of plan[kind].removed)
            expect(written.has(key(range))).to.equal(!input.prune);
          const owners = [...plan[kind].kept, ...plan[kind].added].length;
          expect(owners).to.equal(users.length);
          expect(plan[kind].ranges).to.have.length(
            owners + (input.prune ? 0 : plan[kind].removed.length),
          );
          // And the result passes --check: no errors (removed owners are only warnings).
        }
        const check = checkSubidFiles({
          subuid: parseSubidFile(renderSubidFile(plan.subuid.ranges), "subuid", "subuid"),
          subgid: parseSubidFile(renderSubidFile(plan.subgid.ranges), "subgid", "subgid"),
          passwd,
          minUid: MIN_UID,
        });
        expect(check.findings.filter((finding) => finding.level === "error")).to.deep.equal([]);
      }),
      { numRuns: 300 },
    );
  });

  it("gives a user new to both files the same start in both", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { plan } = setUp(input);
        const uidStart = new Map(plan.subuid.added.map((range) => [range.owner, range.start]));
        for (const range of plan.subgid.added) {
          const other = uidStart.get(range.owner);
          const inSubuidBefore = plan.subuid.kept.some((kept) => kept.owner === range.owner);
          if (other !== undefined && !inSubuidBefore) expect(range.start).to.equal(other);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic: the same bytes whatever the order of passwd", () => {
    fc.assert(
      fc.property(inputArb, fc.integer(), (input, seed) => {
        const shuffled = [...input.accounts].sort(
          (a, b) => (hash(a[0], seed) - hash(b[0], seed)) | 0,
        );
        const render = (plan: SubidPlan) => KINDS.map((kind) => renderSubidFile(plan[kind].ranges));
        expect(render(setUp(input, shuffled).plan)).to.deep.equal(render(setUp(input).plan));
      }),
      { numRuns: 200 },
    );
  });
});

function hash(text: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h;
}

describe("subid: checkSubidFiles properties", () => {
  const rangesArb = fc.array(
    fc.record({
      start: fc.integer({ min: 0, max: 3000 }),
      count: fc.integer({ min: 1, max: 400 }),
    }),
    { maxLength: 30 },
  );

  it("reports exactly the lines that overlap an earlier-sorted range, and those holding a real uid", () => {
    fc.assert(
      fc.property(rangesArb, accountsArb, (ranges, accounts) => {
        const text = ranges.map((range, i) => `u${i}:${range.start}:${range.count}\n`).join("");
        const passwd = parsePasswd(passwdText(accounts), "passwd");
        const result = checkSubidFiles({
          subuid: parseSubidFile(text, "subuid", "subuid"),
          subgid: parseSubidFile("", "subgid", "subgid"),
          passwd,
          minUid: 1_000_000,
        });
        const linesOf = (code: string) =>
          result.findings.filter((finding) => finding.code === code).map((finding) => finding.line);
        // Brute force: a line overlaps when a range sorted before it (start, then line) meets it.
        const order = ranges.map((range, i) => ({ ...range, line: i + 1 }));
        order.sort((a, b) => a.start - b.start || a.line - b.line);
        const overlapping = order
          .filter((range, i) =>
            order.slice(0, i).some((other) => other.start + other.count > range.start),
          )
          .map((range) => range.line)
          .sort((a, b) => a - b);
        expect(linesOf("overlap")).to.deep.equal(overlapping);
        const uids = passwd.users.map((user) => user.uid);
        const holding = ranges
          .map((range, i) => ({ ...range, line: i + 1 }))
          .filter((range) =>
            uids.some((uid) => uid >= range.start && uid < range.start + range.count),
          )
          .map((range) => range.line);
        expect(linesOf("real-id")).to.deep.equal(holding);
        expect(result.ok).to.equal(overlapping.length === 0 && holding.length === 0);
      }),
      { numRuns: 300 },
    );
  });
});
