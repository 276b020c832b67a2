import { expect } from "chai";
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { CHANGE_DIR } from "../../core/change";
import { projectPath } from "../../core/paths";
import { MANIFEST_FILE, recoverWrite } from "../../generator/write";
import { snapshot } from "../generator/write/helpers";
import { needs } from "../tools";
import { run as runIn } from "../run";
import { run, tempDir, UAN_K3S } from "./exec";

const SOURCES = [
  "--sls-file",
  projectPath("fixtures", "systems", "split", "sls.json"),
  "--hsm-file",
  projectPath("fixtures", "systems", "split", "hsm-groups.json"),
];
const PRELOAD = projectPath("dist", "test", "crash", "preload.js");
const IMAGE = "registry.local/site/uai:1.2";

/**
 * HPE's own files in uan-config-management (the ansible/ directory of Cray-HPE/uan, where
 * the K3s roles first came from), each with stand-in text.
 */
const HPE_FILES = [
  "k3s.yml",
  "roles/uan_haproxy/README.md",
  "roles/uan_haproxy/tasks/main.yml",
  "roles/uan_haproxy/templates/haproxy-values.yml.j2",
  "roles/uan_helm/tasks/main.yml",
  "roles/uan_k3s_install/tasks/main.yml",
  "roles/uan_k3s_stage/tasks/main.yml",
  "roles/uan_metallb/tasks/main.yml",
  "roles/uan_metallb/templates/metallb-crd.yml.j2",
  "roles/uan_podman/defaults/main.yml",
  "roles/uan_sshd/templates/sshd_config.j2",
  "site.yml",
  "vars/uan_helm.yml",
  "vars/uan_k3s.yml",
  "vars/uan_sshd.yml",
];
const hpeText = (path: string): string => `# HPE's original ${path}\n`;

interface Checkout {
  readonly dir: string;
  git(...args: string[]): string;
}

/** A git checkout with one commit on main: HPE's files, or only site.yml. */
function checkout(files: readonly string[] = ["site.yml"]): Checkout {
  const dir = tempDir();
  const git = (...args: string[]): string =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
  git("init", "-q", "-b", "main");
  for (const path of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), hpeText(path));
  }
  git("add", "--all");
  git("commit", "-qm", "HPE's content");
  return { dir, git };
}

/** A config file whose sshd instance is on `port`: a change that rewrites a few files. */
function configFile(port: number): string {
  const path = join(tempDir(), "uan-k3s.yaml");
  writeFileSync(
    path,
    `sshd:\n  - name: uai\n    port: ${port}\n    podman:\n      image: ${IMAGE}\n`,
  );
  return path;
}

function genRoles(out: string, args: string[] = [], env: Record<string, string> = {}) {
  return run(UAN_K3S, ["gen-roles", "--out", out, ...SOURCES, ...args], env);
}

/** The tree gen-roles writes with `args` over a copy of `from`: what "wholly new" means. */
async function treeAfter(from: string, args: string[] = []): Promise<Record<string, string>> {
  const copy = join(tempDir(), "copy");
  cpSync(from, copy, { recursive: true });
  const done = await genRoles(copy, args);
  expect(done.code, done.stderr).to.equal(0);
  return snapshot(copy);
}

/** What `git status` shows, one path a line (untracked files listed one by one). */
function gitStatus(repo: Checkout): string[] {
  return repo
    .git("status", "--porcelain", "--untracked-files=all")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.slice(3));
}

function expectNoLeftovers(dir: string): void {
  expect(readdirSync(dir).filter((name) => name.startsWith(CHANGE_DIR))).to.deep.equal([]);
  expect(Object.keys(snapshot(dir)).filter((path) => path.endsWith(".tmp"))).to.deep.equal([]);
}

describe("gen-roles: crash-safe, and nothing changed before a refusal (built executable)", function () {
  needs(this, "git");
  this.timeout(300_000);

  describe("killed at a rename", () => {
    /** A first run's tree in a checkout of only site.yml: what every such checkout becomes. */
    let fresh: Record<string, string>;
    before(async () => {
      fresh = await treeAfter(checkout().dir);
    });

    // The first run into a checkout renames: 1 the lock into place, 2 the journal (the commit
    // point), 3-52 the 49 files and the manifest, 53 the lock away. Killed after each kind.
    for (const nth of [1, 2, 3, 27, 52, 53]) {
      it(`after rename ${nth}: git shows nothing of it, and the tree is wholly old or wholly new`, async () => {
        const repo = checkout();
        const old = snapshot(repo.dir);
        const killed = await genRoles(repo.dir, [], {
          NODE_OPTIONS: `--require ${PRELOAD}`,
          UAN_K3S_TEST_KILL_AFTER: `rename:${nth}`,
        });
        expect(killed.code, killed.stderr).to.equal(-1);
        // Only generated files, never the lock or a temporary file, even before recovery.
        const generated = new Set(Object.keys(fresh));
        for (const path of gitStatus(repo)) expect(generated, path).to.include(path);
        recoverWrite(repo.dir);
        // Killed before the journal was in place: nothing happened; after: finished.
        expect(snapshot(repo.dir)).to.deep.equal(nth === 1 ? old : fresh);
        expectNoLeftovers(repo.dir);
        const again = await genRoles(repo.dir);
        expect(again.code, again.stderr).to.equal(0);
        expect(snapshot(repo.dir)).to.deep.equal(fresh);
      });
    }

    it("finishes the change when the next run is a real one, saying so", async () => {
      const repo = checkout();
      await genRoles(repo.dir, ["--config", configFile(9000)]);
      const config = configFile(9022);
      const fresh = await treeAfter(repo.dir, ["--config", config]);
      const killed = await genRoles(repo.dir, ["--config", config], {
        NODE_OPTIONS: `--require ${PRELOAD}`,
        UAN_K3S_TEST_KILL_AFTER: "rename:3",
      });
      expect(killed.code).to.equal(-1);
      const check = await genRoles(repo.dir, ["--check", "--config", config]);
      expect(check.code).to.equal(1);
      expect(check.stderr)
        .to.include("holds an unfinished change")
        .and.include("without --check or --diff");
      const next = await genRoles(repo.dir, ["--config", config]);
      expect(next.code, next.stderr).to.equal(0);
      expect(next.stderr).to.match(
        /finished the change an interrupted run had begun in .* \(\d+ files\)/,
      );
      expect(snapshot(repo.dir)).to.deep.equal(fresh);
      expectNoLeftovers(repo.dir);
    });
  });

  describe("disk full", () => {
    const full = { NODE_OPTIONS: `--require ${PRELOAD}` };
    // The first run's writes: 1-2 the lock's own files, 3-52 the staged files, 53 the journal.
    for (const nth of [1, 3, 20, 52, 53]) {
      it(`at write ${nth} of a first run: says nothing was changed, and nothing was`, async () => {
        const repo = checkout();
        const old = snapshot(repo.dir);
        const failed = await genRoles(repo.dir, [], {
          ...full,
          UAN_K3S_TEST_ENOSPC_AT: String(nth),
        });
        expect(failed.code, failed.stderr).to.equal(1);
        expect(failed.stderr)
          .to.include("ENOSPC")
          .and.include(`Nothing was changed in ${repo.dir}`);
        expect(failed.stderr).not.to.match(/created|updated/);
        expect(snapshot(repo.dir)).to.deep.equal(old);
        expect(gitStatus(repo)).to.deep.equal([]);
      });
    }

    it("while backing up for --force: nothing changed, and no half backup is left", async () => {
      const repo = checkout();
      expect((await genRoles(repo.dir)).code).to.equal(0);
      writeFileSync(join(repo.dir, "vars", "uan_sshd.yml"), "uan_sshd_configs: [] # mine\n");
      const old = snapshot(repo.dir);
      const backups = tempDir();
      const failed = await genRoles(repo.dir, ["--force", "--backup-dir", backups], {
        ...full,
        UAN_K3S_TEST_ENOSPC_AT: "3",
      });
      expect(failed.code, failed.stderr).to.equal(1);
      expect(failed.stderr)
        .to.include("cannot back up")
        .and.include(`Nothing was changed in ${repo.dir}`);
      expect(snapshot(repo.dir)).to.deep.equal(old);
      expect(readdirSync(backups)).to.deep.equal([]);
      expectNoLeftovers(repo.dir);
    });

    describe("on a real full file system (tmpfs)", () => {
      let mount: string | undefined;
      before(function () {
        mount = tempDir();
        try {
          execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], {
            stdio: "ignore",
          });
        } catch {
          mount = undefined;
          this.skip(); // not root, or no mount permission: the preload variants above still ran
        }
      });
      after(() => {
        if (mount !== undefined) execFileSync("umount", [mount]);
      });

      it("leaves the old tree whole, and the next run with room writes the new one", async () => {
        const out = join(mount!, "out");
        expect((await genRoles(out, ["--config", configFile(9000)])).code).to.equal(0);
        const old = snapshot(out);
        const config = configFile(9022);
        const fresh = await treeAfter(out, ["--config", config]);
        // Room for two pages: not for the staged files and the journal.
        const { bavail, bsize } = statfsSync(mount!);
        writeFileSync(join(mount!, "filler"), Buffer.alloc(bavail * bsize - 2 * 4096));
        const full = await genRoles(out, ["--config", config]);
        expect(full.code, full.stderr).to.equal(1);
        expect(full.stderr).to.include("ENOSPC").and.include(`Nothing was changed in ${out}`);
        expect(snapshot(out)).to.deep.equal(old);
        expectNoLeftovers(out);
        rmSync(join(mount!, "filler"));
        const roomy = await genRoles(out, ["--config", config]);
        expect(roomy.code, roomy.stderr).to.equal(0);
        expect(snapshot(out)).to.deep.equal(fresh);
      });
    });
  });

  describe("--force backs up what it overwrites", () => {
    it("saves a hand edit in the backup directory it names: by default the working directory", async () => {
      const repo = checkout();
      expect((await genRoles(repo.dir)).code).to.equal(0);
      const edited = join(repo.dir, "vars", "uan_sshd.yml");
      writeFileSync(edited, "uan_sshd_configs: [] # mine\n");
      const cwd = tempDir();
      const forced = await runIn(UAN_K3S, ["gen-roles", "--out", repo.dir, "--force", ...SOURCES], {
        cwd,
      });
      expect(forced.code, forced.stderr).to.equal(0);
      const named = /saved as they were in (\S+)\n/.exec(forced.stderr);
      expect(named, forced.stderr).not.to.equal(null);
      expect(dirname(named![1])).to.equal(cwd);
      expect(readdirSync(named![1], { recursive: true })).to.deep.equal([
        "vars",
        "vars/uan_sshd.yml",
      ]);
      expect(readFileSync(join(named![1], "vars", "uan_sshd.yml"), "utf8")).to.equal(
        "uan_sshd_configs: [] # mine\n",
      );
      expect(readFileSync(edited, "utf8")).to.include("name: uai");
    });

    it("saves a stale file it removes, in --backup-dir; a run with nothing to overwrite makes none", async () => {
      const repo = checkout();
      expect((await genRoles(repo.dir)).code).to.equal(0);
      const stale = join(repo.dir, "roles", "uan_sshd", "README.md");
      const manifest = JSON.parse(readFileSync(join(repo.dir, MANIFEST_FILE), "utf8")) as {
        files: Record<string, string>;
      };
      manifest.files["roles/uan_old/tasks/main.yml"] = manifest.files["roles/uan_sshd/README.md"];
      writeFileSync(join(repo.dir, MANIFEST_FILE), JSON.stringify(manifest));
      mkdirSync(join(repo.dir, "roles", "uan_old", "tasks"), { recursive: true });
      writeFileSync(join(repo.dir, "roles", "uan_old", "tasks", "main.yml"), "- mine\n");
      const backups = join(tempDir(), "backups");
      const forced = await genRoles(repo.dir, ["--force", "--backup-dir", backups]);
      expect(forced.code, forced.stderr).to.equal(0);
      const [made] = readdirSync(backups);
      expect(made).to.match(/^gen-roles-backup-\d{8}T\d{6}Z$/);
      expect(
        readFileSync(join(backups, made, "roles", "uan_old", "tasks", "main.yml"), "utf8"),
      ).to.equal("- mine\n");
      expect(existsSync(join(repo.dir, "roles", "uan_old"))).to.equal(false);
      expect(existsSync(stale)).to.equal(true);
      const quiet = await genRoles(repo.dir, ["--force", "--backup-dir", backups]);
      expect(quiet.code, quiet.stderr).to.equal(0);
      expect(quiet.stderr).not.to.include("saved as they were");
      expect(readdirSync(backups)).to.have.length(1);
    });
  });

  describe("--diff previews and writes nothing", () => {
    it("shows a config change in a committed checkout: no file, no branch, no commit", async () => {
      const repo = checkout();
      const first = await genRoles(repo.dir, ["--commit"]);
      expect(first.code, first.stderr).to.equal(0);
      const before = { files: snapshot(repo.dir), head: repo.git("rev-parse", "HEAD") };
      const diff = await genRoles(repo.dir, ["--diff", "--config", configFile(9022)]);
      expect(diff.code, diff.stderr).to.equal(0);
      expect(diff.stdout).to.include("+++ b/vars/uan_sshd.yml").and.include("+    port: 9022");
      expect(snapshot(repo.dir)).to.deep.equal(before.files);
      expect(repo.git("rev-parse", "HEAD")).to.equal(before.head);
      expect(repo.git("branch", "--format=%(refname:short)")).to.equal("main");
      expect(gitStatus(repo)).to.deep.equal([]);
    });

    for (const flag of ["--commit", "--force", "--take-over", "--backup-dir=."]) {
      it(`refuses to go with ${flag.split("=")[0]}`, async () => {
        const repo = checkout(HPE_FILES);
        const before = snapshot(repo.dir);
        const refused = await genRoles(repo.dir, ["--diff", flag]);
        expect(refused.code).to.equal(1);
        expect(refused.stderr).to.include(
          `--diff writes nothing, so it cannot go with ${flag.split("=")[0]}`,
        );
        expect(refused.stdout).to.equal("");
        expect(snapshot(repo.dir)).to.deep.equal(before);
      });
    }
  });

  describe("the first run over HPE's uan-config-management", () => {
    const args = ["--commit", "--branch", "integration-2.6"];

    /** Refused: the files, the branches, HEAD and the index are as they were. */
    async function expectRefusedUnchanged(
      repo: Checkout,
      run: Promise<{ code: number; stderr: string }>,
    ) {
      const before = {
        files: snapshot(repo.dir),
        branches: repo.git("branch", "--format=%(refname:short) %(objectname)"),
        head: repo.git("symbolic-ref", "HEAD"),
        status: gitStatus(repo),
      };
      const refused = await run;
      expect(refused.code).to.equal(1);
      expect(snapshot(repo.dir)).to.deep.equal(before.files);
      expect(repo.git("branch", "--format=%(refname:short) %(objectname)")).to.equal(
        before.branches,
      );
      expect(repo.git("symbolic-ref", "HEAD")).to.equal(before.head);
      expect(gitStatus(repo)).to.deep.equal(before.status);
      return refused.stderr;
    }

    it("is refused, naming HPE's files and --take-over, before any git change", async () => {
      const repo = checkout(HPE_FILES);
      const stderr = await expectRefusedUnchanged(repo, genRoles(repo.dir, args));
      expect(stderr)
        .to.include("roles/uan_k3s_install/tasks/main.yml: not written by uan-k3s")
        .and.include("k3s.yml: not written by uan-k3s")
        .and.include("re-run with --take-over")
        .and.not.include("metallb-crd");
    });

    it("is refused before any git change for someone's uncommitted work too", async () => {
      const repo = checkout(HPE_FILES);
      writeFileSync(join(repo.dir, "site.yml"), "# mine\n");
      const stderr = await expectRefusedUnchanged(
        repo,
        genRoles(repo.dir, [...args, "--take-over"]),
      );
      expect(stderr).to.include("uncommitted changes to files uan-k3s does not manage");
    });

    it("is refused against an existing branch's files, without checking it out", async () => {
      const repo = checkout(["site.yml"]);
      repo.git("checkout", "-q", "-b", "integration-2.6");
      for (const path of HPE_FILES) {
        mkdirSync(dirname(join(repo.dir, path)), { recursive: true });
        writeFileSync(join(repo.dir, path), hpeText(path));
      }
      repo.git("add", "--all");
      repo.git("commit", "-qm", "HPE's K3s roles");
      repo.git("checkout", "-q", "main");
      // main has none of HPE's K3s files, so only the branch's files can be in the way.
      const stderr = await expectRefusedUnchanged(repo, genRoles(repo.dir, args));
      expect(stderr).to.include("k3s.yml: not written by uan-k3s").and.include("--take-over");
    });

    it("--take-over replaces HPE's files after backing them up; git keeps them in its history", async () => {
      const repo = checkout(HPE_FILES);
      const hpeCommit = repo.git("rev-parse", "HEAD");
      const backups = tempDir();
      const taken = await genRoles(repo.dir, [...args, "--take-over", "--backup-dir", backups]);
      expect(taken.code, taken.stderr).to.equal(0);
      expect(repo.git("symbolic-ref", "--short", "HEAD")).to.equal("integration-2.6");
      expect(repo.git("rev-parse", "HEAD~1")).to.equal(hpeCommit);
      expect(repo.git("show", "HEAD~1:roles/uan_k3s_install/tasks/main.yml")).to.equal(
        hpeText("roles/uan_k3s_install/tasks/main.yml").trimEnd(),
      );
      const [backup] = readdirSync(backups);
      expect(taken.stderr).to.include(`saved as they were in ${join(backups, backup)}`);
      const saved = readdirSync(join(backups, backup), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name).slice(join(backups, backup).length + 1))
        .sort();
      // Every HPE file the tree replaces, and none it leaves alone.
      expect(saved).to.include.members([
        "k3s.yml",
        "roles/uan_k3s_install/tasks/main.yml",
        "vars/uan_helm.yml",
      ]);
      expect(saved).not.to.include.members(["site.yml"]);
      expect(saved).not.to.include("roles/uan_metallb/templates/metallb-crd.yml.j2");
      for (const path of saved) {
        expect(readFileSync(join(backups, backup, path), "utf8")).to.equal(hpeText(path));
      }
      expect(
        readFileSync(join(repo.dir, "roles/uan_metallb/templates/metallb-crd.yml.j2"), "utf8"),
      ).to.equal(hpeText("roles/uan_metallb/templates/metallb-crd.yml.j2"));
      expect(gitStatus(repo)).to.deep.equal([]);
      // From now on the files are uan-k3s's own: a plain run has nothing to refuse.
      const again = await genRoles(repo.dir, args);
      expect(again.code, again.stderr).to.equal(0);
    });
  });
});
