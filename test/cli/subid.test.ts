import { expect } from "chai";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { recoverChanges } from "../../core/change";
import { projectPath } from "../../core/paths";
import { run, tempDir, UAN_K3S } from "./exec";

const passwd = (...users: [string, number][]): string =>
  [
    "root:x:0:0:root:/root:/bin/bash",
    ...users.map(([name, uid]) => `${name}:x:${uid}:${uid}::/home/${name}:/bin/bash`),
  ].join("\n") + "\n";

const read = (path: string): string => readFileSync(path, "utf8");

describe("uan-k3s subid (built executable)", () => {
  it("keeps every user's range over three runs with users added and removed, and prints the upload commands", async () => {
    const dir = tempDir();
    const step = async (
      name: string,
      users: [string, number][],
      previous?: string,
    ): Promise<string> => {
      writeFileSync(join(dir, `${name}.passwd`), passwd(...users));
      const existing =
        previous === undefined
          ? []
          : [
              "--existing-subuid",
              join(dir, previous, "subuid"),
              "--existing-subgid",
              join(dir, previous, "subgid"),
            ];
      const result = await run(UAN_K3S, [
        "subid",
        "--passwd",
        join(dir, `${name}.passwd`),
        "--out",
        join(dir, name),
        ...existing,
      ]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include(
        `cray artifacts create user subuid ${join(dir, name, "subuid")}`,
      );
      return readFileSync(join(dir, name, "subuid"), "utf8");
    };
    expect(
      await step("one", [
        ["alice", 1001],
        ["bob", 1002],
      ]),
    ).to.equal("alice:100000:65536\nbob:165536:65536\n");
    expect(
      await step(
        "two",
        [
          ["bob", 1002],
          ["carol", 1003],
        ],
        "one",
      ),
    ).to.equal("alice:100000:65536\nbob:165536:65536\ncarol:231072:65536\n");
    expect(
      await step(
        "three",
        [
          ["carol", 1003],
          ["dave", 1004],
        ],
        "two",
      ),
    ).to.equal("alice:100000:65536\nbob:165536:65536\ncarol:231072:65536\ndave:296608:65536\n");
  });

  it("--check lists every error with file and line, and exits 1", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "subuid"), "alice:100000:65536\nbob:150000:65536\nbroken line\n");
    writeFileSync(join(dir, "subgid"), "alice:100000:65536\n");
    const result = await run(UAN_K3S, [
      "subid",
      "--check",
      "--existing-subuid",
      join(dir, "subuid"),
      "--existing-subgid",
      join(dir, "subgid"),
    ]);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.include(
      `${join(dir, "subuid")}:2: error: range 150000-215535 of bob overlaps line 1`,
    );
    expect(result.stdout).to.include(`${join(dir, "subuid")}:3: error`);
  });

  it("asks for --passwd, naming where to get one", async () => {
    const result = await run(UAN_K3S, ["subid"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("needs --passwd FILE").and.include("getent passwd");
  });

  describe("killed at a rename", () => {
    const OLD = "alice:100000:65536\n";
    const NEW = "alice:100000:65536\nbob:165536:65536\n";
    // Renames: 1 the lock into place, 2 the journal (the commit point), 3 subuid, 4 subgid,
    // 5 the lock away. A sixth kill point is never reached: the run then ends by itself.
    for (const nth of [1, 2, 3, 4, 5, 6]) {
      it(`after rename ${nth}: subuid and subgid are both old or both new, with nothing left over`, async () => {
        const dir = tempDir();
        const out = join(dir, "out");
        mkdirSync(out);
        writeFileSync(join(out, "subuid"), OLD);
        writeFileSync(join(out, "subgid"), OLD);
        writeFileSync(join(dir, "passwd"), passwd(["alice", 1001], ["bob", 1002]));
        const args = [
          "subid",
          "--passwd",
          join(dir, "passwd"),
          "--out",
          out,
          "--existing-subuid",
          join(out, "subuid"),
          "--existing-subgid",
          join(out, "subgid"),
        ];
        const killed = await run(UAN_K3S, args, {
          NODE_OPTIONS: `--require ${projectPath("dist", "test", "crash", "preload.js")}`,
          UAN_K3S_TEST_KILL_AFTER: `rename:${nth}`,
        });
        expect(killed.code, killed.stderr).to.equal(nth === 6 ? 0 : -1);
        recoverChanges(out);
        const pair = [read(join(out, "subuid")), read(join(out, "subgid"))];
        expect(pair).to.deep.equal(nth === 1 ? [OLD, OLD] : [NEW, NEW]);
        expect(readdirSync(out).sort()).to.deep.equal(["subgid", "subuid"]);
        const again = await run(UAN_K3S, args);
        expect(again.code, again.stderr).to.equal(0);
        expect([read(join(out, "subuid")), read(join(out, "subgid"))]).to.deep.equal([NEW, NEW]);
      });
    }
  });
});
