import { expect } from "chai";
import {
  emptySubidFile,
  planSubid,
  renderSubidFile,
  subidDefaults,
  type Passwd,
  type SubidFile,
  type SubidPlan,
  type SubidPlanInput,
} from "../../subid";
import { passwdOf, subgidOf, subuidOf, userErrorFrom, type Account } from "./helpers";

const none = { subuid: emptySubidFile("subuid", "-"), subgid: emptySubidFile("subgid", "-") };

function plan(
  passwd: Passwd,
  existing: { subuid?: SubidFile; subgid?: SubidFile } = {},
  options: Partial<Omit<SubidPlanInput, "passwd" | "existing">> = {},
): SubidPlan {
  return planSubid({
    passwd,
    existing: { ...none, ...existing },
    minUid: subidDefaults.minUid,
    count: subidDefaults.count,
    start: subidDefaults.start,
    prune: false,
    ...options,
  });
}

const files = (result: SubidPlan) => ({
  subuid: renderSubidFile(result.subuid.ranges),
  subgid: renderSubidFile(result.subgid.ranges),
});

const team: Account[] = [
  ["root", 0],
  ["alice", 1001],
  ["bob", 1002],
  ["carol", 1003],
];

describe("subid: planSubid", () => {
  it("gives each user 65536 ids from 100000, in uid order, the same in both files", () => {
    const result = plan(passwdOf(team));
    const expected = "alice:100000:65536\nbob:165536:65536\ncarol:231072:65536\n";
    expect(files(result)).to.deep.equal({ subuid: expected, subgid: expected });
    expect(result.subuid.added.map((range) => range.owner)).to.deep.equal([
      "alice",
      "bob",
      "carol",
    ]);
    expect(result.subuid.kept).to.deep.equal([]);
  });

  it("honours count, start and min-uid", () => {
    const result = plan(passwdOf(team), {}, { count: 1000, start: 200000, minUid: 1002 });
    expect(files(result).subuid).to.equal("bob:200000:1000\ncarol:201000:1000\n");
  });

  it("moves a range past any uid or gid of passwd, system accounts included", () => {
    const passwd = passwdOf([...team, ["svc", 500, 170000], ["dave", 240000, 100]]);
    const result = plan(passwd);
    // alice 100000-165535; bob would hold gid 170000: after it; carol would hold uid 240000.
    expect(files(result).subuid).to.equal(
      "alice:100000:65536\nbob:170001:65536\ncarol:240001:65536\ndave:305537:65536\n",
    );
    expect(files(result).subgid).to.equal(files(result).subuid);
  });

  it("keeps existing ranges exactly and puts new users after the highest end", () => {
    // A hole below 300000 is not reused: first fit after the top is simple to reason about.
    const existing = subuidOf("1001:300000:1000\nbob:100000:5\n");
    const result = plan(passwdOf(team), {
      subuid: existing,
      subgid: subgidOf("alice:300000:1000\nbob:100000:5\n"),
    });
    expect(files(result).subuid).to.equal("bob:100000:5\n1001:300000:1000\ncarol:301000:65536\n");
    expect(files(result).subgid).to.equal("bob:100000:5\nalice:300000:1000\ncarol:301000:65536\n");
    expect(result.subuid.kept).to.deep.equal([
      { owner: "bob", start: 100000, count: 5 },
      { owner: "1001", start: 300000, count: 1000 },
    ]);
    expect(result.subuid.added).to.deep.equal([{ owner: "carol", start: 301000, count: 65536 }]);
  });

  it("starts new ranges at --start when every existing range is below it", () => {
    const result = plan(
      passwdOf(team),
      { subuid: subuidOf("alice:70000:100\n") },
      { start: 500000 },
    );
    expect(files(result).subuid).to.equal(
      "alice:70000:100\nbob:500000:65536\ncarol:565536:65536\n",
    );
  });

  it("gives a user missing from one file the start they have in the other, when it is free", () => {
    const result = plan(passwdOf(team), {
      subuid: subuidOf("alice:100000:65536\nbob:165536:65536\ncarol:231072:65536\n"),
      subgid: subgidOf("bob:165536:65536\n"),
    });
    expect(files(result).subgid).to.equal(files(result).subuid);
    expect(result.subgid.added.map((range) => range.owner)).to.deep.equal(["alice", "carol"]);
  });

  it("puts that user at the top instead when their start is taken in the other file", () => {
    const result = plan(passwdOf(team), {
      subuid: subuidOf("alice:100000:65536\nbob:165536:65536\n"),
      subgid: subgidOf("bob:100000:65536\n"),
    });
    // alice's subuid start is bob's in subgid; carol is new to both: one start for both.
    expect(files(result).subgid).to.equal(
      "bob:100000:65536\nalice:231072:65536\ncarol:296608:65536\n",
    );
    expect(files(result).subuid).to.equal(
      "alice:100000:65536\nbob:165536:65536\ncarol:296608:65536\n",
    );
  });

  it("reports removed users, keeps their ranges, and never reuses their ids", () => {
    const existing = "alice:100000:65536\ndan:165536:65536\nroot:231072:10\nnobody:231082:10\n";
    const passwd = passwdOf([...team, ["nobody", 65534]]);
    const result = plan(passwd, { subuid: subuidOf(existing), subgid: subgidOf(existing) });
    expect(result.subuid.removed).to.deep.equal([
      { owner: "dan", start: 165536, count: 65536, line: 2, reason: "not-in-passwd" },
      { owner: "root", start: 231072, count: 10, line: 3, reason: "below-min-uid" },
      { owner: "nobody", start: 231082, count: 10, line: 4, reason: "nobody" },
    ]);
    expect(result.subuid.pruned).to.equal(false);
    expect(files(result).subuid).to.equal(`${existing}bob:231092:65536\ncarol:296628:65536\n`);

    const pruned = plan(
      passwd,
      { subuid: subuidOf(existing), subgid: subgidOf(existing) },
      { prune: true },
    );
    expect(pruned.subuid.pruned).to.equal(true);
    expect(pruned.subuid.removed).to.deep.equal(result.subuid.removed);
    // Their ids may still own files on disk: new users still start above them.
    expect(files(pruned).subuid).to.equal(
      "alice:100000:65536\nbob:231092:65536\ncarol:296628:65536\n",
    );
  });

  it("refuses to prune more than a quarter of a file unless forced: passwd may be incomplete", () => {
    // 40 users had ranges; a passwd taken while LDAP was down shows only alice.
    const lines = Array.from({ length: 40 }, (_, i) => `user${i}:${200000 + i * 10}:10\n`).join("");
    const existing = { subuid: subuidOf(`alice:100000:10\n${lines}`) };
    const error = userErrorFrom(() => plan(passwdOf(team.slice(0, 2)), existing, { prune: true }));
    expect(error.message).to.equal(
      "--prune would drop 40 of the 41 ranges in subuid: is passwd complete?",
    );
    expect(error.hint).to.contain("--force-prune");
    const forced = plan(passwdOf(team.slice(0, 2)), existing, { prune: true, forcePrune: true });
    expect(files(forced).subuid).to.equal("alice:100000:10\n");
    // Without --prune nothing is dropped, so nothing is refused.
    expect(plan(passwdOf(team.slice(0, 2)), existing).subuid.ranges).to.have.length(41);
    // Up to a quarter (or up to 10 ranges) is ordinary housekeeping.
    const few = {
      subuid: subuidOf(`alice:100000:10\n${lines.split("\n").slice(0, 10).join("\n")}\n`),
    };
    expect(plan(passwdOf(team.slice(0, 2)), few, { prune: true }).subuid.removed).to.have.length(
      10,
    );
  });

  it("does not depend on the order of the passwd file", () => {
    const shuffled = [team[3], team[1], team[0], team[2]];
    expect(files(plan(passwdOf(shuffled)))).to.deep.equal(files(plan(passwdOf(team))));
  });

  it("stays below 2^32 - 1 and says how many users are left when ids run out", () => {
    const ok = plan(passwdOf(team.slice(0, 2)), {}, { start: 4294000000, count: 967295 });
    expect(files(ok).subuid).to.equal("alice:4294000000:967295\n");
    const error = userErrorFrom(() =>
      plan(passwdOf(team), {}, { start: 4294000000, count: 500000 }),
    );
    expect(error.message).to.equal(
      "out of subordinate ids: 2 users (from bob, uid 1002) still need 500000 ids each, and ids must stay below 4294967295",
    );
    expect(error.hint).to.contain("--count");
  });

  it("fits 65,534 users of 65536 ids from 100000, not one more: 32 bits hold no more", () => {
    // uids 1000-66535 without 65534 (nobody), all below the ranges.
    const many: Account[] = Array.from({ length: 65535 }, (_, i) => [
      `u${i}`,
      i < 64534 ? 1000 + i : 1001 + i,
    ]);
    const error = userErrorFrom(() => plan(passwdOf(many)));
    expect(error.message).to.match(
      /^out of subordinate ids: 1 user \(from u65534, uid 66535\) still need 65536 ids each/,
    );
    const fits = plan(passwdOf(many.slice(0, 65534)));
    expect(fits.subuid.ranges.at(-1)).to.deep.equal({
      owner: "u65533",
      start: 100000 + 65533 * 65536,
      count: 65536,
    });
  }).timeout(20000);

  describe("refuses existing files it must not carry forward", () => {
    const cases: [what: string, subuid: string, message: string][] = [
      ["a malformed line", "alice:100000\n", "subuid:1: expected 3 colon-separated fields"],
      ["a zero count", "alice:100000:0\n", "subuid:1: count is 0"],
      [
        "two entries for a user",
        "alice:100000:10\n1001:200000:10\n",
        "subuid:2: second entry for 1001 (user alice)",
      ],
      [
        "an overlap",
        "alice:100000:10\nbob:100005:10\n",
        "subuid:2: range 100005-100014 of bob overlaps line 1",
      ],
      [
        "a real uid inside a range",
        "alice:1000:10\n",
        "subuid:1: range 1000-1009 of alice includes the real uid 1001",
      ],
    ];
    for (const [what, subuid, message] of cases) {
      it(what, () => {
        const error = userErrorFrom(() => plan(passwdOf(team), { subuid: subuidOf(subuid) }));
        expect(error.message).to.contain("the existing subuid/subgid files have problems");
        expect(error.message).to.contain(message);
        expect(error.hint).to.contain("uan-k3s subid --check");
      });
    }

    it("but not a real uid inside the range of a removed user being pruned", () => {
      const existing = subuidOf("ghost:1001:10\n");
      userErrorFrom(() => plan(passwdOf(team), { subuid: existing }));
      const result = plan(passwdOf(team), { subuid: existing }, { prune: true });
      expect(files(result).subuid).to.equal(
        "alice:100000:65536\nbob:165536:65536\ncarol:231072:65536\n",
      );
    });
  });
});
