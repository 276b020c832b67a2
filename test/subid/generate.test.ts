import { expect } from "chai";
import * as fs from "node:fs";
import { hostname } from "node:os";
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
    expect(error.message).to.match(/^cannot write in .*file\/out: .*mkdir/);
    expect(error.hint).to.contain("Nothing was changed");
  });

  it("names a missing input file", () => {
    const error = userErrorFrom(() => generateSubid({ passwd: join(dir(), "nope") }));
    expect(error.message).to.equal(`cannot read passwd file ${join(dir(), "nope")}: no such file`);
  });

  it("finishes replacing both files that a killed run had begun, before reading them", () => {
    const first = run([["alice", 1001]]);
    // What a run killed right after renaming its journal into place leaves behind.
    const out = join(dir(), "out");
    const txn = join(out, ".uan-k3s-txn");
    mkdirSync(txn);
    fs.writeFileSync(
      join(txn, "owner.json"),
      JSON.stringify({ pid: 2 ** 22 + 1, host: hostname() }),
    );
    fs.writeFileSync(join(txn, "0"), "alice:100000:65536\nbob:165536:65536\n");
    fs.writeFileSync(join(txn, "1"), "alice:100000:65536\nbob:165536:65536\n");
    fs.writeFileSync(
      join(txn, "journal.json"),
      JSON.stringify([
        { path: "subuid", staged: "0" },
        { path: "subgid", staged: "1" },
      ]),
    );
    const second = run([
      ["alice", 1001],
      ["bob", 1002],
      ["carol", 1003],
    ]);
    expect(second.warnings[0]).to.match(/an interrupted run .* finished it first/);
    // bob's range came from the finished change, so carol's follows it.
    expect(read(first.files.subuid)).to.equal(
      "alice:100000:65536\nbob:165536:65536\ncarol:231072:65536\n",
    );
    expect(hiddenFiles(out)).to.deep.equal([]);
  });
});

describe("subid: leftovers of earlier versions", () => {
  const dir = useTempDir();
  it("removes a dead run's temporary copies of subuid and subgid, and nothing else", () => {
    const dead = 2 ** 22 + 1;
    const out = join(dir(), "out");
    mkdirSync(out);
    for (const name of [
      `.subuid.${dead}.tmp`,
      `.subgid.${dead}.tmp`,
      `.subgid.${dead}.old`,
      `.subuid.${process.pid}.tmp`,
      `.passwd.${dead}.tmp`,
    ]) {
      fs.writeFileSync(join(out, name), "x\n");
    }
    const { passwd } = writeFiles(dir(), { passwd: passwdText([["alice", 1001]]) });
    generateSubid({ passwd, out });
    // A backup of old content (.old) may be what an admin restores from: it stays.
    expect(hiddenFiles(out).sort()).to.deep.equal([
      `.passwd.${dead}.tmp`,
      `.subgid.${dead}.old`,
      `.subuid.${process.pid}.tmp`,
    ]);
  });
});

describe("subid: writeTogether", () => {
  const dir = useTempDir();
  const read = (name: string) => readFileSync(join(dir(), name), "utf8");

  it("replaces both files and leaves nothing hidden", () => {
    writeFiles(dir(), { a: "old a\n", b: "old b\n" });
    writeTogether(dir(), [
      { name: "a", data: "new a\n" },
      { name: "b", data: "new b\n" },
    ]);
    expect([read("a"), read("b")]).to.deep.equal(["new a\n", "new b\n"]);
    expect(hiddenFiles(dir())).to.deep.equal([]);
  });

  it("leaves both files as they were when the second cannot be written", () => {
    writeFiles(dir(), { a: "old a\n", b: "old b\n" });
    const ops: WriteOps = {
      ...fs,
      writeFileSync: ((file: fs.PathOrFileDescriptor, data: string) => {
        if (data === "new b\n") throw new Error("ENOSPC: simulated");
        fs.writeFileSync(file, data);
      }) as typeof fs.writeFileSync,
    };
    const error = userErrorFrom(() =>
      writeTogether(
        dir(),
        [
          { name: "a", data: "new a\n" },
          { name: "b", data: "new b\n" },
        ],
        0o644,
        ops,
      ),
    );
    expect(error.message).to.equal(`cannot write ${join(dir(), "b")}: ENOSPC: simulated`);
    expect(error.hint).to.contain("Nothing was changed");
    expect([read("a"), read("b")]).to.deep.equal(["old a\n", "old b\n"]);
    expect(hiddenFiles(dir())).to.deep.equal([]);
  });
});
