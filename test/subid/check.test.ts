import { expect } from "chai";
import {
  checkSubid,
  checkSubidFiles,
  formatCheck,
  formatFinding,
  type SubidCheckResult,
  type SubidFinding,
} from "../../subid";
import { passwdOf, passwdText, subgidOf, subuidOf, useTempDir, writeFiles } from "./helpers";

const accounts = [
  ["root", 0],
  ["alice", 1001],
  ["bob", 1002],
  ["carol", 120000, 100], // a uid inside the usual subuid area
] as const;

function check(subuid: string, subgid: string, withPasswd = true): SubidCheckResult {
  return checkSubidFiles({
    subuid: subuidOf(subuid),
    subgid: subgidOf(subgid),
    passwd: withPasswd ? passwdOf(accounts) : undefined,
    minUid: 1000,
  });
}

const clean = "alice:200000:65536\nbob:265536:65536\ncarol:331072:65536\n";

/** The one finding of `code`, after checking there is exactly one. */
function only(result: SubidCheckResult, code: SubidFinding["code"]): SubidFinding {
  const found = result.findings.filter((finding) => finding.code === code);
  expect(found, `findings of ${code}`).to.have.length(1);
  return found[0];
}

describe("subid: checkSubidFiles", () => {
  it("finds nothing in good files", () => {
    const result = check(clean, clean);
    expect(result.findings).to.deep.equal([]);
    expect(result.ok).to.equal(true);
    expect(formatCheck(result)).to.equal("subuid and subgid: no problems found\n");
  });

  it("reports a malformed line with file and line", () => {
    const result = check(`${clean}dave:1\n`, clean);
    expect(result.ok).to.equal(false);
    expect(only(result, "malformed")).to.deep.equal({
      level: "error",
      code: "malformed",
      file: "subuid",
      line: 4,
      message: "expected 3 colon-separated fields (name:start:count), found 2",
    });
  });

  it("reports zero and negative counts", () => {
    const result = check(
      clean.replace("bob:265536:65536", "bob:265536:0"),
      clean.replace("alice:200000:65536", "alice:200000:-1"),
    );
    const counts = result.findings.filter((finding) => finding.code === "count").map(formatFinding);
    expect(counts).to.deep.equal([
      "subuid:2: error: count is 0: bob gets no ids",
      "subgid:1: error: count -1 is negative: alice gets no ids",
    ]);
    // Their users count as without an entry too: they cannot run containers.
    expect(result.findings.filter((finding) => finding.code === "missing")).to.have.length(2);
  });

  it("reports a second entry for a user, by name or by numeric uid", () => {
    const result = check(`${clean}alice:500000:65536\n1002:600000:65536\n`, clean);
    const duplicates = result.findings
      .filter((finding) => finding.code === "duplicate")
      .map(formatFinding);
    expect(duplicates).to.deep.equal([
      "subuid:4: error: second entry for alice, who already has line 1: each user should have one range",
      "subuid:5: error: second entry for 1002 (user bob), who already has line 2: each user should have one range",
    ]);
  });

  it("reports duplicates by owner name when there is no passwd", () => {
    const result = check(`${clean}alice:500000:65536\n`, clean, false);
    expect(formatFinding(only(result, "duplicate"))).to.equal(
      "subuid:4: error: second entry for alice, who already has line 1: each user should have one range",
    );
  });

  it("reports an overlap naming both lines", () => {
    const result = check("alice:200000:65536\nbob:265535:65536\ncarol:400000:65536\n", clean);
    expect(formatFinding(only(result, "overlap"))).to.equal(
      "subuid:2: error: range 265535-331070 of bob overlaps line 1 (alice 200000-265535)",
    );
  });

  it("reports every line a range overlaps, and counts past three", () => {
    const wide = "big:100000:1000000\n";
    const inside = [1, 2, 3, 4, 5].map((i) => `u${i}:${100000 + i * 1000}:10\n`).join("");
    const result = checkSubidFiles({
      subuid: subuidOf(wide + inside),
      subgid: subgidOf(""),
      minUid: 1000,
    });
    const overlaps = result.findings.filter((finding) => finding.code === "overlap");
    expect(overlaps.map((finding) => finding.line)).to.deep.equal([2, 3, 4, 5, 6]);
    expect(
      overlaps.every((finding) => finding.message.includes("line 1 (big 100000-1099999)")),
    ).to.equal(true);
    const many = "a:100:10\nb:100:10\nc:100:10\nd:100:10\ne:100:10\n";
    const last = checkSubidFiles({
      subuid: subuidOf(many),
      subgid: subgidOf(""),
      minUid: 1000,
    }).findings.at(-1)!;
    expect(last.line).to.equal(5);
    expect(last.message).to.match(
      /overlaps line \d \(\w 100-109\), line \d .*, line \d .* and 1 more$/,
    );
  });

  it("reports a range that includes a real uid, naming the account", () => {
    const result = check("alice:100000:65536\nbob:165536:65536\ncarol:231072:65536\n", clean);
    expect(formatFinding(only(result, "real-id"))).to.equal(
      "subuid:1: error: range 100000-165535 of alice includes the real uid 120000 (carol, passwd:4): files they own would be reachable from containers",
    );
  });

  it("checks subgid ranges against gids, and uids (user private groups)", () => {
    const subgid = "alice:50:100\nbob:119990:20\ncarol:331072:65536\n";
    const result = check(clean, subgid);
    expect(
      result.findings.filter((finding) => finding.code === "real-id").map(formatFinding),
    ).to.deep.equal([
      "subgid:1: error: range 50-149 of alice includes the real gid 100 (carol, passwd:4): files they own would be reachable from containers",
      "subgid:2: error: range 119990-120009 of bob includes the real uid 120000 (carol, passwd:4, the gid of its user private group): files they own would be reachable from containers",
    ]);
    // subuid ranges are about uids only: a gid inside one is harmless.
    expect(
      check("alice:50:100\nbob:265536:65536\ncarol:331072:65536\n", clean).findings,
    ).to.deep.equal([]);
  });

  it("reports users of passwd without an entry, with their passwd line", () => {
    const result = check("alice:200000:65536\n", clean);
    expect(result.findings.map(formatFinding)).to.deep.equal([
      "subuid: error: user bob (uid 1002, passwd:3) has no entry: rootless Podman fails for them",
      "subuid: error: user carol (uid 120000, passwd:4) has no entry: rootless Podman fails for them",
    ]);
    expect(result.ok).to.equal(false);
  });

  it("warns about owners passwd does not know, without failing", () => {
    const result = check(`${clean}dave:500000:65536\n`, clean);
    expect(formatFinding(only(result, "unknown-owner"))).to.equal(
      "subuid:4: warning: dave is not in passwd (a removed user? 'uan-k3s subid --prune' drops the range)",
    );
    expect(result.ok).to.equal(true);
    expect(formatCheck(result)).to.match(/\n0 errors, 1 warning\n$/);
  });

  it("without passwd, checks only the files themselves", () => {
    const result = check("alice:100000:65536\n", "", false);
    expect(result.findings).to.deep.equal([]);
  });

  it("reports every finding of both files, subuid first, by line", () => {
    const result = check("x\nalice:200000:65536\nalice:200000:65536\n", "bob:1:0\n");
    expect(
      result.findings.map((finding) => `${finding.file}:${finding.line ?? "-"} ${finding.code}`),
    ).to.deep.equal([
      "subuid:1 malformed",
      "subuid:3 duplicate",
      "subuid:3 overlap",
      "subuid:- missing",
      "subuid:- missing",
      "subgid:1 count",
      "subgid:- missing",
      "subgid:- missing",
      "subgid:- missing",
    ]);
  });

  describe("checkSubid (files)", () => {
    const dir = useTempDir();

    it("reads the files it is given and names them in findings", () => {
      const paths = writeFiles(dir(), {
        passwd: passwdText(accounts),
        subuid: clean,
        subgid: "alice:200000:65536\n",
      });
      const result = checkSubid({
        passwd: paths.passwd,
        existingSubuid: paths.subuid,
        existingSubgid: paths.subgid,
      });
      expect(result.ok).to.equal(false);
      expect(result.findings.map((finding) => finding.file)).to.deep.equal([
        paths.subgid,
        paths.subgid,
      ]);
      expect(result.findings[0].message).to.contain(`${paths.passwd}:3`);
    });

    it("honours min-uid", () => {
      const paths = writeFiles(dir(), { passwd: passwdText(accounts), subuid: "", subgid: "" });
      const result = checkSubid({
        passwd: paths.passwd,
        existingSubuid: paths.subuid,
        existingSubgid: paths.subgid,
        minUid: 100000,
      });
      expect(result.findings.map(formatFinding)).to.deep.equal([
        `${paths.subuid}: error: user carol (uid 120000, ${paths.passwd}:4) has no entry: rootless Podman fails for them`,
        `${paths.subgid}: error: user carol (uid 120000, ${paths.passwd}:4) has no entry: rootless Podman fails for them`,
      ]);
    });
  });
});
