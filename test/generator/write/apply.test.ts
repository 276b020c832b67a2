import { expect } from "chai";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  MANIFEST_FILE,
  applyWrite,
  planWrite,
  readManifest,
  recoverWrite,
  sha256,
  type WriteResult,
} from "../../../generator/write";
import {
  filesIn,
  hpeCheckout,
  put,
  read,
  rendered,
  snapshot,
  tempDir,
  userErrorFrom,
  without,
} from "./helpers";

function write(dir: string, files = rendered(), force = false): WriteResult {
  return applyWrite(dir, planWrite(dir, files), { force, backupDir: tempDir() });
}

function mode(dir: string, path: string): string {
  return (statSync(join(dir, path)).mode & 0o777).toString(8);
}

describe("write: applyWrite", () => {
  it("writes every file, its parent directories and the manifest into an empty directory", () => {
    const dir = join(tempDir(), "out");
    const result = write(dir);
    expect(result.created).to.deep.equal([
      "k3s.yml",
      "roles/uan_k3s_stage/files/install.sh",
      "roles/uan_k3s_stage/tasks/main.yml",
      "vars/uan_k3s.yml",
    ]);
    expect(result).to.include({ manifestWritten: true });
    expect(filesIn(dir)).to.deep.equal([MANIFEST_FILE, ...result.created]);
    expect(read(dir, "vars/uan_k3s.yml")).to.equal(rendered()["vars/uan_k3s.yml"]);
  });

  it("writes mode 0644, and 0755 for files marked executable, whatever the umask", () => {
    const dir = tempDir();
    const umask = process.umask(0o077);
    try {
      write(dir);
    } finally {
      process.umask(umask);
    }
    expect(mode(dir, "k3s.yml")).to.equal("644");
    expect(mode(dir, "roles/uan_k3s_stage/files/install.sh")).to.equal("755");
    expect(mode(dir, MANIFEST_FILE)).to.equal("644");
  });

  it("writes a manifest of sorted paths and sha256 hashes, with nothing that varies by run", () => {
    const dir = tempDir();
    write(dir, { "b.yml": "b\n", "a/c.yml": "c\n", "a.yml": "a\n" });
    expect(read(dir, MANIFEST_FILE)).to.equal(
      [
        "{",
        '  "files": {',
        `    "a.yml": "${sha256("a\n")}",`,
        `    "a/c.yml": "${sha256("c\n")}",`,
        `    "b.yml": "${sha256("b\n")}"`,
        "  },",
        '  "generator": "uan-k3s"',
        "}",
        "",
      ].join("\n"),
    );
    expect(sha256("a\n")).to.equal(
      "sha256:87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7",
    );
  });

  it("gives the same bytes for the same files, whatever the map's order or the directory", () => {
    const one = tempDir();
    const two = tempDir();
    write(one, rendered());
    write(two, Object.fromEntries(Object.entries(rendered()).reverse()));
    expect(snapshot(two)).to.deep.equal(snapshot(one));
    // And writing again changes nothing, not even the manifest's bytes.
    const before = snapshot(one);
    const mtime = statSync(one).mtimeMs;
    const again = write(one);
    // Not even the lock directory came and went.
    expect(statSync(one).mtimeMs).to.equal(mtime);
    expect(again).to.include({ manifestWritten: false });
    expect(again.unchanged).to.have.length(4);
    expect(snapshot(one)).to.deep.equal(before);
  });

  it("leaves no temporary files behind", () => {
    const dir = tempDir();
    write(dir);
    write(dir, rendered("2"));
    const temps = Object.keys(snapshot(dir)).filter((path) => /\.tmp$/.test(path));
    expect(temps).to.deep.equal([]);
  });

  describe("the first run over HPE's checkout", () => {
    it("refuses, naming each file it would overwrite and why, and writes nothing", async () => {
      const dir = tempDir();
      hpeCheckout(dir);
      put(dir, "vars/uan_k3s.yml", "k3s_version: hpe\n");
      const before = snapshot(dir);
      const error = await userErrorFrom(() => write(dir));
      expect(error.message).to.include(
        `refuses to overwrite 2 files in ${dir}; nothing was written`,
      );
      expect(error.message).to.include("\n  k3s.yml: not written by uan-k3s\n");
      expect(error.message).to.include("\n  vars/uan_k3s.yml: not written by uan-k3s");
      expect(error.hint)
        .to.match(/re-run with --take-over/)
        .and.match(/backup directory/)
        .and.match(/git/)
        .and.not.match(/--force/);
      expect(error.exitCode).to.equal(1);
      expect(snapshot(dir)).to.deep.equal(before);
    });

    it("overwrites them with --force, and leaves HPE's other files alone", () => {
      const dir = tempDir();
      hpeCheckout(dir);
      const result = write(dir, rendered(), true);
      expect(result.updated).to.deep.equal(["k3s.yml"]);
      expect(result.created).to.have.length(3);
      expect(read(dir, "k3s.yml")).to.equal(rendered()["k3s.yml"]);
      expect(read(dir, "vars/uan_helm.yml")).to.equal(
        'metallb_ipaddresspool_range_start: "x.x.x.x"\n',
      );
      // From now on the file is uan-k3s's own.
      expect(planWrite(dir, rendered("2")).conflicts).to.deep.equal([]);
    });
  });

  describe("a hand edit after uan-k3s wrote the file", () => {
    it("is refused, naming the file, and nothing is written", async () => {
      const dir = tempDir();
      write(dir);
      put(dir, "vars/uan_k3s.yml", "k3s_version: mine\n");
      const before = snapshot(dir);
      const error = await userErrorFrom(() => write(dir, rendered("2")));
      expect(error.message).to.match(
        /1 file in .*\n {2}vars\/uan_k3s\.yml: edited since uan-k3s wrote it$/,
      );
      expect(snapshot(dir)).to.deep.equal(before);
    });

    it("is overwritten with --force", () => {
      const dir = tempDir();
      write(dir);
      put(dir, "vars/uan_k3s.yml", "k3s_version: mine\n");
      const result = write(dir, rendered("2"), true);
      expect(result.updated).to.include("vars/uan_k3s.yml");
      expect(read(dir, "vars/uan_k3s.yml")).to.equal(rendered("2")["vars/uan_k3s.yml"]);
      expect(planWrite(dir, rendered("2")).changed).to.equal(false);
    });
  });

  describe("stale files", () => {
    it("removes a file no longer generated and the directories it leaves empty", () => {
      const dir = tempDir();
      write(dir, { ...rendered(), "roles/old/tasks/deep/main.yml": "x\n" });
      const result = write(dir);
      expect(result.removed).to.deep.equal(["roles/old/tasks/deep/main.yml"]);
      expect(existsSync(join(dir, "roles/old"))).to.equal(false);
      expect(existsSync(join(dir, "roles/uan_k3s_stage"))).to.equal(true);
      expect([...readManifest(dir).files.keys()]).not.to.include("roles/old/tasks/deep/main.yml");
    });

    it("keeps a directory that still holds someone else's file, and never removes --out", () => {
      const dir = tempDir();
      write(dir, { "roles/old/tasks/main.yml": "x\n" });
      put(dir, "roles/old/README.md", "HPE's\n");
      write(dir, {});
      expect(filesIn(dir)).to.deep.equal([MANIFEST_FILE, "roles/old/README.md"]);
      write(dir, { "a.yml": "a\n" });
      write(dir, {});
      expect(readdirSync(dir).sort()).to.deep.equal([MANIFEST_FILE, "roles"]);
    });

    it("refuses to remove a stale file edited by hand, and removes it with --force", async () => {
      const dir = tempDir();
      write(dir);
      put(dir, "roles/uan_k3s_stage/tasks/main.yml", "- name: mine\n");
      const files = without(rendered(), "roles/uan_k3s_stage/tasks/main.yml");
      const error = await userErrorFrom(() => write(dir, files));
      expect(error.message).to.include("roles/uan_k3s_stage/tasks/main.yml: edited since");
      expect(existsSync(join(dir, "roles/uan_k3s_stage/tasks/main.yml"))).to.equal(true);
      expect(write(dir, files, true).removed).to.deep.equal(["roles/uan_k3s_stage/tasks/main.yml"]);
      expect(existsSync(join(dir, "roles/uan_k3s_stage/tasks"))).to.equal(false);
    });

    it("drops a managed file already deleted by hand from the manifest", () => {
      const dir = tempDir();
      write(dir);
      const files = without(rendered(), "vars/uan_k3s.yml");
      rmSync(join(dir, "vars/uan_k3s.yml"));
      expect(write(dir, files).removed).to.deep.equal(["vars/uan_k3s.yml"]);
      expect([...readManifest(dir).files.keys()]).to.have.members(Object.keys(files));
      expect(existsSync(join(dir, "vars"))).to.equal(false);
    });
  });

  it("refuses a plan made before the files changed, writing nothing", async () => {
    const dir = tempDir();
    write(dir);
    const plan = planWrite(dir, rendered("2"));
    put(dir, "k3s.yml", "- hosts: mine\n");
    const before = snapshot(dir);
    const error = await userErrorFrom(() => applyWrite(dir, plan));
    expect(error.message).to.match(
      /k3s\.yml changed while gen-roles was running; nothing was written/,
    );
    expect(snapshot(dir)).to.deep.equal(before);
  });

  describe("backups of what --force and --take-over overwrite", () => {
    const at = new Date("2026-12-02T09:10:11.500Z");

    it("copies each hand-edited, foreign or stale file to one new directory first, and only those", () => {
      const dir = tempDir();
      const backupDir = join(tempDir(), "backups");
      write(dir, { ...rendered(), "roles/old/tasks/main.yml": "- old\n" });
      put(dir, "vars/uan_k3s.yml", "k3s_version: mine\n");
      put(dir, "roles/old/tasks/main.yml", "- mine\n", 0o755);
      rmSync(join(dir, "k3s.yml"));
      put(dir, "k3s.yml", "- hosts: HPE\n");
      rmSync(join(dir, MANIFEST_FILE));
      write(dir, { ...rendered(), "roles/old/tasks/main.yml": "- old\n" }, true);
      put(dir, "vars/uan_k3s.yml", "k3s_version: mine\n");
      put(dir, "roles/old/tasks/main.yml", "- mine\n", 0o755);
      const plan = planWrite(dir, { ...rendered("2"), "new.yml": "new\n" });
      expect(plan.conflicts.map((entry) => entry.path)).to.deep.equal([
        "roles/old/tasks/main.yml",
        "vars/uan_k3s.yml",
      ]);
      const result = applyWrite(dir, plan, { force: true, backupDir, now: at });
      expect(result.backup).to.equal(join(backupDir, "gen-roles-backup-20261202T091011Z"));
      expect(snapshot(result.backup!)).to.deep.equal({
        "roles/": "700",
        "roles/old/": "700",
        "roles/old/tasks/": "700",
        "roles/old/tasks/main.yml": `600 ${Buffer.from("- mine\n").toString("base64")}`,
        "vars/": "700",
        "vars/uan_k3s.yml": `600 ${Buffer.from("k3s_version: mine\n").toString("base64")}`,
      });
      expect(mode(backupDir, "gen-roles-backup-20261202T091011Z")).to.equal("700");
    });

    it("takes HPE's originals over with takeOver, after backing them up, and keeps a second backup apart", () => {
      const dir = tempDir();
      const backupDir = tempDir();
      hpeCheckout(dir);
      put(dir, "vars/uan_k3s.yml", "k3s_version: hpe\n");
      const first = applyWrite(dir, planWrite(dir, rendered()), {
        takeOver: true,
        backupDir,
        now: at,
      });
      expect(first.updated).to.deep.equal(["k3s.yml", "vars/uan_k3s.yml"]);
      expect(read(first.backup!, "k3s.yml")).to.equal(
        "- hosts: Application_UAN\n  roles: [uan_k3s_install]\n",
      );
      expect(read(first.backup!, "vars/uan_k3s.yml")).to.equal("k3s_version: hpe\n");
      expect(filesIn(first.backup!)).to.deep.equal(["k3s.yml", "vars/uan_k3s.yml"]);
      // HPE's files the tree does not replace are not theirs to touch.
      expect(read(dir, "vars/uan_helm.yml")).to.equal(
        'metallb_ipaddresspool_range_start: "x.x.x.x"\n',
      );
      put(dir, "k3s.yml", "- hosts: HPE again\n");
      rmSync(join(dir, MANIFEST_FILE));
      const second = applyWrite(dir, planWrite(dir, rendered()), {
        takeOver: true,
        backupDir,
        now: at,
      });
      // Only the file that differs: the others already hold the generated bytes.
      expect(second.backup).to.equal(`${first.backup}-2`);
      expect(filesIn(second.backup!)).to.deep.equal(["k3s.yml"]);
      expect(read(second.backup!, "k3s.yml")).to.equal("- hosts: HPE again\n");
    });

    it("refuses a hand edit under takeOver, naming --force, and writes and backs up nothing", async () => {
      const dir = tempDir();
      const backupDir = join(tempDir(), "none");
      write(dir);
      put(dir, "vars/uan_k3s.yml", "k3s_version: mine\n");
      put(dir, "k3s_validate.yml", "- hosts: HPE\n");
      const before = snapshot(dir);
      const plan = planWrite(dir, { ...rendered("2"), "k3s_validate.yml": "- hosts: all\n" });
      const error = await userErrorFrom(() => applyWrite(dir, plan, { takeOver: true, backupDir }));
      expect(error.message).to.match(
        /refuses to overwrite 1 file in .*\n {2}vars\/uan_k3s\.yml: edited/,
      );
      expect(error.hint)
        .to.match(/re-run with --force/)
        .and.not.match(/--take-over/);
      expect(snapshot(dir)).to.deep.equal(before);
      expect(existsSync(backupDir)).to.equal(false);
    });

    it("makes no backup when nothing conflicts, or when the conflicting file is already gone", () => {
      const dir = tempDir();
      const backupDir = join(tempDir(), "none");
      write(dir, { ...rendered(), "roles/old/tasks/main.yml": "- old\n" });
      expect(write(dir, rendered("2"), true).backup).to.equal(undefined);
      expect(existsSync(backupDir)).to.equal(false);
    });
  });

  describe("leftovers", () => {
    it("removes the temporary files an older uan-k3s left beside its files, not a live run's", () => {
      const dir = tempDir();
      write(dir);
      const dead = 2 ** 22 + 1;
      put(dir, `vars/.uan_k3s.yml.${dead}.tmp`, "half\n");
      put(dir, `.${MANIFEST_FILE}.${dead}.tmp`, "{\n");
      put(dir, `vars/.uan_k3s.yml.${process.pid}.tmp`, "mine\n");
      put(dir, `vars/.other.yml.${dead}.tmp`, "not ours\n");
      expect(recoverWrite(dir)).to.deep.equal([
        `removed leftover temporary files: .${MANIFEST_FILE}.${dead}.tmp, vars/.uan_k3s.yml.${dead}.tmp`,
      ]);
      expect(filesIn(dir).filter((path) => path.endsWith(".tmp"))).to.deep.equal([
        `vars/.other.yml.${dead}.tmp`,
        `vars/.uan_k3s.yml.${process.pid}.tmp`,
      ]);
      expect(recoverWrite(dir)).to.deep.equal([]);
    });

    it("refuses to plan over a change a killed run left unfinished", async () => {
      const dir = tempDir();
      write(dir);
      put(dir, ".uan-k3s-txn/journal.json", "[]\n");
      const error = await userErrorFrom(() => planWrite(dir, rendered()));
      expect(error.message).to.equal(
        `${dir} holds an unfinished change: a gen-roles run was interrupted while writing`,
      );
      expect(error.hint).to.include("without --check or --diff");
    });
  });
});
