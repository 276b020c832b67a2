import { expect } from "chai";
import * as fs from "node:fs";
import { join } from "node:path";
import {
  formatSubidResult,
  generateSubid,
  uploadCommands,
  writeTogether,
  type SubidOptions,
  type SubidResult,
  type WriteOps,
} from "../../subid";
import {
  hiddenFiles,
  passwdText,
  useTempDir,
  userErrorFrom,
  writeFiles,
  type Account,
} from "./helpers";

const { readFileSync, statSync, mkdirSync, existsSync } = fs;

describe("subid: generateSubid", () => {
  const dir = useTempDir();

  /** Writes passwd and runs a generation into `out`, updating the files found there. */
  function run(accounts: readonly Account[], options: Partial<SubidOptions> = {}): SubidResult {
    const { passwd } = writeFiles(dir(), { passwd: passwdText(accounts) });
    const out = join(dir(), "out");
    const present = (name: string) => (existsSync(join(out, name)) ? join(out, name) : undefined);
    return generateSubid({
      passwd,
      out,
      existingSubuid: present("subuid"),
      existingSubgid: present("subgid"),
      ...options,
    });
  }

  const read = (path: string) => readFileSync(path, "utf8");
  const linesOf = (path: string) =>
    new Map(
      read(path)
        .trim()
        .split("\n")
        .map((line) => [line.split(":")[0], line]),
    );

  it("writes subuid and subgid, mode 0644 whatever the umask, and nothing else", () => {
    const old = process.umask(0o077);
    let result: SubidResult;
    try {
      result = run([
        ["alice", 1001],
        ["bob", 1002],
      ]);
    } finally {
      process.umask(old);
    }
    const out = join(dir(), "out");
    expect(result.files).to.deep.equal({
      subuid: join(out, "subuid"),
      subgid: join(out, "subgid"),
    });
    for (const path of Object.values(result.files)) {
      expect(read(path)).to.equal("alice:100000:65536\nbob:165536:65536\n");
      expect(statSync(path).mode & 0o777).to.equal(0o644);
    }
    expect(fs.readdirSync(out).sort()).to.deep.equal(["subgid", "subuid"]);
    expect(result.users).to.equal(2);
  });

  it("carries the upload commands with the real paths, and a summary to print", () => {
    const result = run([["alice", 1001]]);
    expect(result.uploadCommands).to.deep.equal([
      `cray artifacts create user subuid ${result.files.subuid}`,
      `cray artifacts create user subgid ${result.files.subgid}`,
    ]);
    expect(formatSubidResult(result)).to.equal(
      [
        `${result.files.subuid}: 1 range`,
        "  added: alice",
        "  kept:  none",
        `${result.files.subgid}: 1 range`,
        "  added: alice",
        "  kept:  none",
        `warning: ${result.warnings[0]}`,
        `warning: ${result.warnings[1]}`,
        "Upload them to the user S3 bucket, where the uan_podman role fetches them:",
        `  ${result.uploadCommands[0]}`,
        `  ${result.uploadCommands[1]}`,
        "Every CFS run of k3s.yml then installs them on the K3s nodes (objects subuid and subgid of bucket user, with the system's S3 credentials); no URL to set.",
        "",
      ].join("\n"),
    );
  });

  it("warns, before any upload, when a file was started afresh or there is nobody", () => {
    const first = run([["alice", 1001]]);
    expect(first.warnings).to.deep.equal([
      "no existing subuid was given, so every range in it is new. If the user bucket already has one, fetch it (cray artifacts get user subuid subuid.current) and run again with --existing-subuid subuid.current before uploading: moved ranges orphan users' container storage.",
      "no existing subgid was given, so every range in it is new. If the user bucket already has one, fetch it (cray artifacts get user subgid subgid.current) and run again with --existing-subgid subgid.current before uploading: moved ranges orphan users' container storage.",
    ]);
    expect(run([["alice", 1001]]).warnings).to.deep.equal([]);
    expect(run([["root", 0]]).warnings).to.deep.equal([
      "the passwd file has no users at or above --min-uid",
    ]);
  });

  it("shell-quotes a path that needs it in the upload commands", () => {
    expect(
      uploadCommands({ subuid: "/tmp/it's here/subuid", subgid: "/tmp/x/subgid" }),
    ).to.deep.equal([
      "cray artifacts create user subuid '/tmp/it'\\''s here/subuid'",
      "cray artifacts create user subgid /tmp/x/subgid",
    ]);
  });

  it("keeps every kept user's line byte for byte over three runs, pruning only when asked", () => {
    const out = join(dir(), "out");
    const first = run([
      ["alice", 1001],
      ["bob", 1002],
      ["carol", 1003],
    ]);
    const run1 = { subuid: linesOf(first.files.subuid), subgid: linesOf(first.files.subgid) };

    // bob leaves, dave and erin arrive (dave's uid sorts first: new users are placed by uid).
    const second = run([
      ["alice", 1001],
      ["carol", 1003],
      ["erin", 1005],
      ["dave", 1004],
    ]);
    expect(second.summary.subuid).to.deep.equal({
      added: ["dave", "erin"],
      kept: ["alice", "carol"],
      removed: ["bob"],
      pruned: false,
    });
    expect(second.summary.subgid).to.deep.equal(second.summary.subuid);
    for (const kind of ["subuid", "subgid"] as const) {
      const now = linesOf(join(out, kind));
      for (const name of ["alice", "bob", "carol"])
        expect(now.get(name)).to.equal(run1[kind].get(name));
      expect(now.get("dave")).to.equal("dave:296608:65536");
      expect(now.get("erin")).to.equal("erin:362144:65536");
    }
    expect(formatSubidResult(second)).to.contain(
      "  removed from passwd but kept (--prune drops them): bob\n",
    );

    // carol leaves, frank arrives; pruning drops bob and carol, nobody else moves.
    const before = read(join(out, "subuid"));
    const third = run(
      [
        ["alice", 1001],
        ["dave", 1004],
        ["erin", 1005],
        ["frank", 1006],
      ],
      { prune: true },
    );
    expect(third.summary.subuid).to.deep.equal({
      added: ["frank"],
      kept: ["alice", "dave", "erin"],
      removed: ["bob", "carol"],
      pruned: true,
    });
    expect(formatSubidResult(third)).to.contain("  pruned: bob, carol\n");
    const kept = before.split("\n").filter((line) => /^(alice|dave|erin):/.test(line));
    expect(read(join(out, "subuid"))).to.equal(`${kept.join("\n")}\nfrank:427680:65536\n`);
    expect(read(join(out, "subgid"))).to.equal(read(join(out, "subuid")));
  });

  it("writes the same bytes from the same input, whatever the passwd order", () => {
    const accounts: Account[] = [
      ["carol", 1003],
      ["alice", 1001],
      ["bob", 1002, 120000],
    ];
    const first = run(accounts, { out: join(dir(), "a") });
    const second = run([...accounts].reverse(), { out: join(dir(), "b") });
    expect(read(second.files.subuid)).to.equal(read(first.files.subuid));
    expect(read(second.files.subgid)).to.equal(read(first.files.subgid));
  });

  it("refuses to write over a subuid or subgid whose ranges it was not given", () => {
    const out = join(dir(), "out");
    mkdirSync(out);
    writeFiles(out, { subgid: "alice:500000:65536\n" });
    const { passwd } = writeFiles(dir(), { passwd: passwdText([["alice", 1001]]) });
    const error = userErrorFrom(() => generateSubid({ passwd, out }));
    expect(error.message).to.equal(
      `${join(out, "subgid")} already exists and --existing-subgid was not given: its ranges would be lost`,
    );
    expect(error.hint).to.equal(
      `Pass --existing-subgid ${join(out, "subgid")} to keep its ranges, or choose another --out.`,
    );
    expect(read(join(out, "subgid"))).to.equal("alice:500000:65536\n");
    expect(existsSync(join(out, "subuid"))).to.equal(false);
  });

  it("reads existing files from elsewhere and writes to --out", () => {
    const paths = writeFiles(dir(), {
      passwd: passwdText([
        ["alice", 1001],
        ["bob", 1002],
      ]),
      "etc-subuid": "alice:300000:65536\n",
    });
    const result = generateSubid({
      passwd: paths.passwd,
      out: join(dir(), "new"),
      existingSubuid: paths["etc-subuid"],
    });
    expect(read(result.files.subuid)).to.equal("alice:300000:65536\nbob:365536:65536\n");
    // alice is new to subgid only: she gets her subuid start there too.
    expect(read(result.files.subgid)).to.equal(read(result.files.subuid));
    expect(read(paths["etc-subuid"])).to.equal("alice:300000:65536\n");
  });

  const badOptions: [Partial<SubidOptions>, string][] = [
    [{ count: 0 }, "--count must be a whole number from 1 to"],
    [{ count: 1.5 }, "--count must be a whole number"],
    [
      { start: 1000 },
      "--start must be a whole number from 65536 to 4294967294 (lower ids belong to accounts, local ones too), not 1000",
    ],
    [{ minUid: -1 }, "--min-uid must be a whole number from 0"],
  ];
  for (const [options, message] of badOptions) {
    it(`refuses ${JSON.stringify(options)}`, () => {
      const error = userErrorFrom(() => run([["alice", 1001]], options));
      expect(error.message).to.contain(message);
      expect(existsSync(join(dir(), "out"))).to.equal(false);
    });
  }

  it("creates --out, and names it when it cannot", () => {
    const result = run([["alice", 1001]], { out: join(dir(), "a", "b") });
    expect(read(result.files.subuid)).to.equal("alice:100000:65536\n");
    writeFiles(dir(), { file: "" });
    const error = userErrorFrom(() => run([["alice", 1001]], { out: join(dir(), "file", "out") }));
    expect(error.message).to.match(/^cannot write .*file\/out\/subuid: .*mkdir/);
    expect(error.hint).to.contain("Nothing was changed");
  });

  it("names a missing input file", () => {
    const error = userErrorFrom(() => generateSubid({ passwd: join(dir(), "nope") }));
    expect(error.message).to.equal(`cannot read passwd file ${join(dir(), "nope")}: no such file`);
  });

  it("leaves both files as they were when it cannot write one of them", () => {
    const out = join(dir(), "out");
    const first = run([["alice", 1001]]);
    const before = { subuid: read(first.files.subuid), subgid: read(first.files.subgid) };
    // Something in the way of subgid's temporary file: the write fails before any rename.
    mkdirSync(join(out, `.subgid.${process.pid}.tmp`));
    const error = userErrorFrom(() =>
      run([
        ["alice", 1001],
        ["bob", 1002],
      ]),
    );
    expect(error.message).to.match(/^cannot write .*subgid: /);
    expect(error.hint).to.contain("Nothing was changed");
    expect(read(join(out, "subuid"))).to.equal(before.subuid);
    expect(read(join(out, "subgid"))).to.equal(before.subgid);
    expect(hiddenFiles(out)).to.deep.equal([`.subgid.${process.pid}.tmp`]);
  });
});

describe("subid: writeTogether", () => {
  const dir = useTempDir();
  const read = (path: string) => readFileSync(path, "utf8");

  /** The real file system, but the `fail`-th rename (1-based) throws. */
  function failingRename(fail: number): WriteOps {
    let renames = 0;
    return {
      ...fs,
      renameSync: (from: fs.PathLike, to: fs.PathLike) => {
        renames += 1;
        if (renames === fail) throw new Error("EIO: simulated");
        fs.renameSync(from, to);
      },
    };
  }

  it("replaces both files and leaves no temporary or backup file", () => {
    const paths = writeFiles(dir(), { a: "old a\n", b: "old b\n" });
    writeTogether([
      { path: paths.a, data: "new a\n" },
      { path: paths.b, data: "new b\n" },
    ]);
    expect([read(paths.a), read(paths.b)]).to.deep.equal(["new a\n", "new b\n"]);
    expect(hiddenFiles(dir())).to.deep.equal([]);
  });

  it("puts the first file back when the second rename fails", () => {
    const paths = writeFiles(dir(), { a: "old a\n", b: "old b\n" });
    const error = userErrorFrom(() =>
      writeTogether(
        [
          { path: paths.a, data: "new a\n" },
          { path: paths.b, data: "new b\n" },
        ],
        0o644,
        failingRename(2),
      ),
    );
    expect(error.message).to.equal(`cannot write ${paths.b}: EIO: simulated`);
    expect(error.hint).to.contain("Nothing was changed");
    expect([read(paths.a), read(paths.b)]).to.deep.equal(["old a\n", "old b\n"]);
    expect(hiddenFiles(dir())).to.deep.equal([]);
  });

  it("removes the first file again when there was none before", () => {
    const a = join(dir(), "a");
    const b = join(dir(), "b");
    userErrorFrom(() =>
      writeTogether(
        [
          { path: a, data: "new a\n" },
          { path: b, data: "new b\n" },
        ],
        0o644,
        failingRename(2),
      ),
    );
    expect(fs.readdirSync(dir())).to.deep.equal([]);
  });

  it("keeps and names the backup when it cannot put a file back", () => {
    const paths = writeFiles(dir(), { a: "old a\n", b: "old b\n" });
    // Rename 2 (b) fails, and so does rename 3 (a's backup back over a).
    let renames = 0;
    const ops: WriteOps = {
      ...fs,
      renameSync: (from: fs.PathLike, to: fs.PathLike) => {
        renames += 1;
        if (renames >= 2) throw new Error("EIO: simulated");
        fs.renameSync(from, to);
      },
    };
    const error = userErrorFrom(() =>
      writeTogether(
        [
          { path: paths.a, data: "new a\n" },
          { path: paths.b, data: "new b\n" },
        ],
        0o644,
        ops,
      ),
    );
    const backup = join(dir(), `.a.${process.pid}.old`);
    expect(error.message).to.equal(
      `cannot write ${paths.b}: EIO: simulated; and could not put back ${backup}`,
    );
    expect(read(backup)).to.equal("old a\n");
    expect(hiddenFiles(dir())).to.deep.equal([`.a.${process.pid}.old`]);
  });
});
