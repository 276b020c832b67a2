import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../core/paths";
import { run as runClean, tempDir, type Result } from "../run";

export { tempDir, type Result };

export const UAN_K3S = projectPath("bin", "uan-k3s");
export const INVENTORY_SCRIPT = projectPath("bin", "uan-k3s-inventory");
export const SEED = {
  sls: projectPath("fixtures", "systems", "seed", "sls.json"),
  hsm: projectPath("fixtures", "systems", "seed", "hsm-groups.json"),
};

/**
 * Runs a command the way a user would, with a clean environment: nothing from the developer's
 * own UAN_K3S_*, TOKEN or CRAY_CREDENTIALS leaks in, and HOME (so the cache) is a fresh dir.
 */
export function run(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Result> {
  return runClean(file, args, { env });
}

/**
 * A git checkout standing in for uan-config-management, with one commit of "HPE's content",
 * and a `git` runner in it (with an identity, whatever the machine's git config says).
 */
export function hpeCheckout(): { repo: string; git: (...args: string[]) => string } {
  const repo = tempDir();
  const git = (...args: string[]): string =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], {
      cwd: repo,
      encoding: "utf8",
    }).trim();
  git("init", "-q", "-b", "main");
  writeFileSync(join(repo, "site.yml"), "- hosts: all\n");
  git("add", "site.yml");
  git("commit", "-qm", "HPE's content");
  return { repo, git };
}
