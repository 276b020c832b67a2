import { expect } from "chai";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryLog } from "../../../core/log";
import {
  MANIFEST_FILE,
  applyWrite,
  checkCommittable,
  checkoutBranch,
  commitTree,
  planWrite,
  type CommitResult,
  type FileMap,
} from "../../../generator/write";
import {
  git,
  hpeCheckout,
  isolatedGitEnv,
  put,
  rendered,
  snapshot,
  tempDir,
  userErrorFrom,
  without,
} from "./helpers";
import { needs } from "../../tools";

interface Repo {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: MemoryLog;
  /** Runs git in the repository for the test's own setup and checks. */
  git(...args: string[]): string;
}

/** A clone of HPE's uan-config-management: its files committed on main. */
function hpeRepo(identity = true): Repo {
  const dir = tempDir();
  const env = isolatedGitEnv();
  const repo = {
    dir,
    env,
    log: new MemoryLog(),
    git: (...args: string[]) => git(dir, env, ...args),
  };
  repo.git("init", "--quiet", "--initial-branch=main");
  if (identity) {
    repo.git("config", "user.name", "Ada Admin");
    repo.git("config", "user.email", "ada@example.com");
  }
  hpeCheckout(dir);
  put(dir, "README.md", "uan-config-management\n");
  repo.git("add", "--all");
  repo.git("-c", "user.name=HPE", "-c", "user.email=hpe@example.com", "commit", "-qm", "HPE UAN");
  return repo;
}

/** What `uan-k3s gen-roles --git-commit [--branch B] [--force]` does, in the order it does it. */
async function genRoles(
  repo: Repo,
  files: FileMap,
  options: { branch?: string; force?: boolean } = {},
): Promise<CommitResult> {
  const { dir, env, log } = repo;
  if (options.branch !== undefined) await checkoutBranch(dir, options.branch, { log, env });
  const plan = planWrite(dir, files);
  await checkCommittable(dir, plan, { log, env });
  const result = applyWrite(dir, plan, { force: options.force, backupDir: tempDir() });
  return commitTree(dir, result, { branch: options.branch, log, env });
}

describe("write: commitTree", function () {
  needs(this, "git");
  it("commits exactly uan-k3s's files on a new integration branch made from HEAD", async () => {
    const repo = hpeRepo();
    const main = repo.git("rev-parse", "main");
    const result = await genRoles(repo, rendered(), { branch: "integration-2.7.0", force: true });

    expect(result.committed).to.equal(true);
    expect(result.sha)
      .to.match(/^[0-9a-f]{40}$/)
      .and.equal(repo.git("rev-parse", "HEAD"));
    expect(repo.git("symbolic-ref", "--short", "HEAD")).to.equal("integration-2.7.0");
    expect(repo.git("rev-parse", "HEAD~1")).to.equal(main);
    expect(repo.git("rev-parse", "main")).to.equal(main);
    expect(repo.git("log", "-1", "--format=%B")).to.equal(
      [
        "uan-k3s gen-roles: 3 added, 1 changed",
        "",
        "Added:",
        "  roles/uan_k3s_stage/files/install.sh",
        "  roles/uan_k3s_stage/tasks/main.yml",
        "  vars/uan_k3s.yml",
        "",
        "Changed:",
        "  k3s.yml",
      ].join("\n"),
    );
    expect(repo.git("show", "--name-only", "--format=", "HEAD").split("\n")).to.deep.equal([
      MANIFEST_FILE,
      "k3s.yml",
      "roles/uan_k3s_stage/files/install.sh",
      "roles/uan_k3s_stage/tasks/main.yml",
      "vars/uan_k3s.yml",
    ]);
    expect(repo.git("ls-files", "-s", "roles/uan_k3s_stage/files/install.sh")).to.match(/^100755 /);
    expect(repo.git("log", "-1", "--format=%an <%ae>")).to.equal("Ada Admin <ada@example.com>");
    expect(repo.git("status", "--porcelain")).to.equal("");
    expect(repo.log.infos).to.deep.equal([
      "created branch integration-2.7.0 from main",
      `committed ${result.sha.slice(0, 12)}: uan-k3s gen-roles: 3 added, 1 changed`,
    ]);
  });

  it("does not commit when nothing changed, and returns HEAD", async () => {
    const repo = hpeRepo();
    const first = await genRoles(repo, rendered(), { branch: "integration-2.7.0", force: true });
    const second = await genRoles(repo, rendered(), { branch: "integration-2.7.0" });
    expect(second).to.deep.equal({ sha: first.sha, committed: false });
    expect(repo.git("rev-parse", "HEAD")).to.equal(first.sha);
    expect(repo.log.infos.at(-1)).to.match(/^nothing to commit/);
  });

  it("commits changes and removals, the stale file's deletion included", async () => {
    const repo = hpeRepo();
    await genRoles(repo, rendered(), { force: true });
    const files = without(rendered("2"), "roles/uan_k3s_stage/tasks/main.yml");
    const result = await genRoles(repo, files);
    expect(result.committed).to.equal(true);
    expect(repo.git("log", "-1", "--format=%s")).to.equal(
      "uan-k3s gen-roles: 2 changed, 1 removed",
    );
    expect(repo.git("ls-files", "roles/uan_k3s_stage")).to.equal(
      "roles/uan_k3s_stage/files/install.sh",
    );
    expect(repo.git("status", "--porcelain")).to.equal("");
  });

  it("commits files an earlier run wrote without --git-commit", async () => {
    const repo = hpeRepo();
    const { dir } = repo;
    applyWrite(dir, planWrite(dir, rendered()), { force: true, backupDir: tempDir() });
    const result = await commitTree(dir, applyWrite(dir, planWrite(dir, rendered())), repo);
    expect(result.committed).to.equal(true);
    expect(repo.git("log", "-1", "--format=%s")).to.equal("uan-k3s gen-roles: 3 added, 1 changed");
  });

  describe("someone else's uncommitted work", () => {
    function busyRepo(): Repo {
      const repo = hpeRepo();
      put(repo.dir, "README.md", "my notes\n");
      put(repo.dir, "vars/site.yml", "site: mine\n");
      repo.git("add", "vars/site.yml");
      return repo;
    }

    it("is refused before anything is written, naming the files", async () => {
      const repo = busyRepo();
      const before = snapshot(repo.dir);
      const error = await userErrorFrom(() => genRoles(repo, rendered(), { force: true }));
      expect(error.message).to.include("has uncommitted changes to files uan-k3s does not manage");
      expect(error.message).to.include("\n   M README.md").and.include("\n  A  vars/site.yml");
      expect(error.hint).to.match(/git stash/);
      expect(snapshot(repo.dir)).to.deep.equal(before);
    });

    it("is refused by commitTree too, committing nothing", async () => {
      const repo = busyRepo();
      const head = repo.git("rev-parse", "HEAD");
      const result = applyWrite(repo.dir, planWrite(repo.dir, rendered()), {
        force: true,
        backupDir: tempDir(),
      });
      const error = await userErrorFrom(() => commitTree(repo.dir, result, repo));
      expect(error.message).to.include("README.md");
      expect(repo.git("rev-parse", "HEAD")).to.equal(head);
    });

    it("does not include untracked files, and does not refuse them", async () => {
      const repo = hpeRepo();
      put(repo.dir, "scratch.txt", "mine\n");
      const result = await genRoles(repo, rendered(), { force: true });
      expect(result.committed).to.equal(true);
      expect(repo.git("show", "--name-only", "--format=", "HEAD")).not.to.include("scratch.txt");
      expect(repo.git("status", "--porcelain")).to.equal("?? scratch.txt");
    });
  });

  it("works without a configured git identity, and leaves the repository's config alone", async () => {
    const repo = hpeRepo(false);
    const config = readFileSync(join(repo.dir, ".git", "config"), "utf8");
    const result = await genRoles(repo, rendered(), { branch: "integration-2.7.0", force: true });
    expect(result.committed).to.equal(true);
    expect(repo.git("log", "-1", "--format=%an <%ae>|%cn <%ce>")).to.equal(
      "uan-k3s <uan-k3s@localhost>|uan-k3s <uan-k3s@localhost>",
    );
    expect(readFileSync(join(repo.dir, ".git", "config"), "utf8")).to.equal(config);
  });

  describe("branches", () => {
    it("checks out an existing branch before planning, so the plan sees uan-k3s's files there", async () => {
      const repo = hpeRepo();
      await genRoles(repo, rendered(), { branch: "integration-2.7.0", force: true });
      repo.git("checkout", "--quiet", "main");
      // No --force: on the integration branch k3s.yml is uan-k3s's own.
      const result = await genRoles(repo, rendered("2"), { branch: "integration-2.7.0" });
      expect(result.committed).to.equal(true);
      expect(repo.git("log", "-1", "--format=%s")).to.equal("uan-k3s gen-roles: 2 changed");
      expect(repo.git("rev-list", "--count", "main..integration-2.7.0")).to.equal("2");
    });

    it("refuses in commitTree to move written files to a branch at another commit", async () => {
      const repo = hpeRepo();
      await genRoles(repo, rendered(), { branch: "integration-2.7.0", force: true });
      repo.git("checkout", "--quiet", "main");
      const result = applyWrite(repo.dir, planWrite(repo.dir, rendered()), {
        force: true,
        backupDir: tempDir(),
      });
      const error = await userErrorFrom(() =>
        commitTree(repo.dir, result, { ...repo, branch: "integration-2.7.0" }),
      );
      expect(error.message).to.match(/branch integration-2.7.0 exists at another commit/);
      expect(repo.git("symbolic-ref", "--short", "HEAD")).to.equal("main");
    });

    it("refuses a name git does not accept as a branch", async () => {
      const repo = hpeRepo();
      for (const branch of ["integration 2.7", "-f", "a..b"]) {
        const error = await userErrorFrom(() => checkoutBranch(repo.dir, branch, repo));
        expect(error.message, branch).to.include("is not a valid git branch name");
      }
    });
  });

  describe("--out that is not a git work tree", () => {
    it("is refused", async () => {
      const dir = tempDir();
      const result = applyWrite(dir, planWrite(dir, rendered()));
      const error = await userErrorFrom(() =>
        commitTree(dir, result, { log: new MemoryLog(), env: isolatedGitEnv() }),
      );
      expect(error.message).to.match(
        /needs --out to be the top of a git work tree; .* is not in one/,
      );
      expect(error.hint).to.include("uan-config-management");
    });

    it("is refused when it is only a directory inside one", async () => {
      const repo = hpeRepo();
      const inner = join(repo.dir, "roles", "sub");
      mkdirSync(inner);
      const error = await userErrorFrom(() => checkoutBranch(inner, "x", repo));
      expect(error.message).to.include(`is inside the work tree at ${repo.dir}, not its top`);
    });
  });
});
