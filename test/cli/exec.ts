import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath } from "../../core/paths";

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const UAN_K3S = projectPath("bin", "uan-k3s");
export const INVENTORY_SCRIPT = projectPath("bin", "uan-k3s-inventory");
export const SEED = {
  sls: projectPath("fixtures", "systems", "seed", "sls.json"),
  hsm: projectPath("fixtures", "systems", "seed", "hsm-groups.json"),
};

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "uan-k3s-test-"));
}

/**
 * Runs a command the way a user would, with a clean environment: nothing from the developer's
 * own UAN_K3S_*, TOKEN or CRAY_CREDENTIALS leaks in, and HOME (so the cache) is a fresh dir.
 */
export function run(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Result> {
  const home = tempDir();
  const base = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    ANSIBLE_LOCAL_TEMP: join(home, "tmp"),
  };
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...base, ...env }, cwd: home, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
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
