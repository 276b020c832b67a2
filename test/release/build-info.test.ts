import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BuildInfo } from "../../cli/version";
import { projectPath } from "../../core/paths";
import { readBuildInfo } from "../../packaging/build-info";
import { run, tempDir, UAN_K3S } from "../cli/exec";
import { needs } from "../tools";

/** A package directory: a package.json, and with `git`, a repository with one commit. */
function packageDir(
  git: boolean,
  dir = tempDir(),
): { dir: string; git: (...args: string[]) => string } {
  const runGit = (...args: string[]): string =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), '{"name":"uan-k3s","version":"9.8.7"}\n');
  if (git) {
    runGit("init", "-q", "-b", "main");
    runGit("add", "package.json");
    runGit("commit", "-qm", "one");
  }
  return { dir, git: runGit };
}

describe("the build info --version prints", function () {
  needs(this, "git");

  it("names the version and the commit of a clean checkout", async () => {
    const { dir, git } = packageDir(true);
    expect(await readBuildInfo(dir)).to.deep.equal({
      version: "9.8.7",
      commit: git("rev-parse", "HEAD"),
    });
  });

  it("marks a checkout whose tracked files changed as +dirty, but not for untracked files", async () => {
    const { dir, git } = packageDir(true);
    writeFileSync(join(dir, "notes.txt"), "untracked\n");
    expect((await readBuildInfo(dir)).commit).to.equal(git("rev-parse", "HEAD"));
    writeFileSync(join(dir, "package.json"), '{"name":"uan-k3s","version":"9.8.8"}\n');
    expect(await readBuildInfo(dir)).to.deep.equal({
      version: "9.8.8",
      commit: `${git("rev-parse", "HEAD")}+dirty`,
    });
  });

  it("says unknown outside git, in a repository with no commit, and in another repository", async () => {
    expect((await readBuildInfo(packageDir(false).dir)).commit).to.equal("unknown");
    const empty = packageDir(false);
    empty.git("init", "-q");
    expect((await readBuildInfo(empty.dir)).commit).to.equal("unknown");
    // Sources unpacked inside some other checkout: its commit is not theirs.
    const outer = packageDir(true);
    const inner = packageDir(false, join(outer.dir, "vendor", "uan-k3s"));
    expect((await readBuildInfo(inner.dir)).commit).to.equal("unknown");
  });

  it("is what uan-k3s --version prints, from the file npm run build wrote", async () => {
    const info = JSON.parse(
      readFileSync(projectPath("dist", "build-info.json"), "utf8"),
    ) as BuildInfo;
    expect(info.commit).to.match(/^([0-9a-f]{40}(\+dirty)?|unknown)$/);
    const result = await run(UAN_K3S, ["--version"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(`uan-k3s ${info.version} (commit ${info.commit})\n`);
  });
});
