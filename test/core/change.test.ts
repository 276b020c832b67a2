import { expect } from "chai";
import * as fs from "node:fs";
import { join } from "node:path";
import { beginChange, recoverChanges, type ChangeOps } from "../../core/change";
import { projectPath } from "../../core/paths";
import { put, snapshot, tempDir, userErrorFrom } from "../generator/write/helpers";
import { run } from "../run";

const PRELOAD = projectPath("dist", "test", "crash", "preload.js");
const DRIVER = projectPath("dist", "test", "crash", "change-driver.js");

const OLD = { "a.yml": "old a\n", "gone.yml": "old gone\n", "sub/b.yml": "old b\n" };
/** Two files replaced, one removed, one created two directories deep. */
const STEPS = [
  ["a.yml", "new a\n"],
  ["gone.yml"],
  ["new/deep/c.yml", "new c\n"],
  ["sub/b.yml", "new b\n"],
];

function oldTree(): string {
  const root = tempDir();
  for (const [path, text] of Object.entries(OLD)) put(root, path, text);
  return root;
}

/** The driver making STEPS in `root`, in a child process that the preload breaks as `env` says. */
function change(root: string, env: Record<string, string> = {}) {
  return run(process.execPath, ["--require", PRELOAD, DRIVER, root, JSON.stringify(STEPS)], {
    env,
  });
}

describe("core/change: several files replaced as one change", function () {
  this.timeout(120_000);
  let wholeOld: Record<string, string>;
  let wholeNew: Record<string, string>;
  before(async () => {
    wholeOld = snapshot(oldTree());
    const root = oldTree();
    const done = await change(root);
    expect(done.code, done.stderr).to.equal(0);
    wholeNew = snapshot(root);
    expect(wholeNew).not.to.deep.equal(wholeOld);
    expect(Object.keys(wholeNew)).to.include.members(["a.yml", "new/deep/c.yml", "sub/b.yml"]);
  });

  it("leaves all old files or, finished by the next run, all new ones, and nothing else, whatever call it is killed after", async () => {
    const seen = { old: 0, new: 0 };
    let n = 1;
    for (; ; n += 1) {
      const root = oldTree();
      const killed = await change(root, { UAN_K3S_TEST_KILL_AFTER: `any:${n}` });
      if (killed.code === 0) break; // the run made fewer changes than n: every instant is done
      expect(killed.code, `kill after change ${n}: ${killed.stderr}`).to.equal(-1);
      const recovery = recoverChanges(root);
      const now = snapshot(root);
      const whole = JSON.stringify(now) === JSON.stringify(wholeNew) ? "new" : "old";
      expect(now, `kill after change ${n}`).to.deep.equal(whole === "new" ? wholeNew : wholeOld);
      if (recovery.found === "finished") expect(whole).to.equal("new");
      if (recovery.found === "dropped") expect(whole).to.equal("old");
      seen[whole] += 1;
    }
    // Killed before and after the commit point, at every call in between.
    expect(n).to.be.greaterThan(12);
    expect(seen.old).to.be.greaterThan(0);
    expect(seen.new).to.be.greaterThan(0);
  });

  it("leaves every file as it was when the disk fills at any write, and says so truly", async () => {
    for (let n = 1; ; n += 1) {
      const root = oldTree();
      const full = await change(root, { UAN_K3S_TEST_ENOSPC_AT: String(n) });
      if (full.code === 0) break;
      expect(full.stderr, `ENOSPC at write ${n}`).to.include("ENOSPC");
      expect(snapshot(root), `ENOSPC at write ${n}`).to.deep.equal(wholeOld);
    }
  });

  it("finishes a change stuck after its commit point on the next run", async () => {
    const root = oldTree();
    // The real file system, but the third rename (the first file over its target) fails.
    let renames = 0;
    const ops: ChangeOps = {
      ...fs,
      renameSync: (from: fs.PathLike, to: fs.PathLike) => {
        if ((renames += 1) === 3) throw new Error("EIO: simulated");
        fs.renameSync(from, to);
      },
    };
    const stuck = beginChange(root, ops);
    const error = await userErrorFrom(() => {
      try {
        for (const [path, text] of STEPS) {
          if (text === undefined) stuck.remove(path);
          else stuck.write(path, text, 0o644);
        }
        stuck.commit();
      } finally {
        stuck.end();
      }
    });
    expect(error.message).to.equal(`cannot finish changing ${root}: EIO: simulated`);
    expect(error.hint).to.include("run the same command again");
    expect(recoverChanges(root)).to.deep.equal({
      found: "finished",
      paths: STEPS.map(([path]) => path),
    });
    expect(snapshot(root)).to.deep.equal(wholeNew);
  });

  it("drops what it staged when it fails before the commit point, in the same run", async () => {
    const root = oldTree();
    const ops: ChangeOps = {
      ...fs,
      writeFileSync: ((file: fs.PathOrFileDescriptor, data: string) => {
        if (typeof data === "string" && data.startsWith("new c")) throw new Error("EIO: simulated");
        fs.writeFileSync(file, data);
      }) as typeof fs.writeFileSync,
    };
    const error = await userErrorFrom(() => {
      const failing = beginChange(root, ops);
      try {
        for (const [path, text] of STEPS) {
          if (text === undefined) failing.remove(path);
          else failing.write(path, text, 0o644);
        }
      } finally {
        failing.end();
      }
    });
    expect(error.message).to.equal(`cannot write ${join(root, "new/deep/c.yml")}: EIO: simulated`);
    expect(error.hint).to.include(`Nothing was changed in ${root}`);
    expect(snapshot(root)).to.deep.equal(wholeOld);
  });

  it("touches nothing where no change was ever made", () => {
    const root = oldTree();
    const mtime = fs.statSync(root).mtimeMs;
    expect(recoverChanges(root)).to.deep.equal({ found: "nothing" });
    expect(recoverChanges(join(root, "missing"))).to.deep.equal({ found: "nothing" });
    expect(fs.statSync(root).mtimeMs).to.equal(mtime);
  });
});
