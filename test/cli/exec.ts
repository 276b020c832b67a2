import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../core/paths";
import type { HsmGroup } from "../../schemas/generated/hsm";
import type { SlsDump } from "../../schemas/generated/sls";
import { startSimulator, type Simulator } from "../../simulator/server";
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

/**
 * hpeCheckout with a bare repository as its `origin`, so that what it commits can be pushed
 * (cfs-layer --repo --apply writes only a pushed HEAD).
 */
export function checkoutWithRemote(): ReturnType<typeof hpeCheckout> {
  const checkout = hpeCheckout();
  const remote = tempDir();
  execFileSync("git", ["init", "-q", "--bare", remote]);
  checkout.git("remote", "add", "origin", remote);
  return checkout;
}

/**
 * The CSM API simulator serving a fixture system (its SLS dump and HSM groups), the client
 * secret in a 0600 file, and the environment that points uan-k3s at it.
 */
export async function systemSimulator(
  system: { readonly sls: string; readonly hsm: string },
  secret: string,
): Promise<{ sim: Simulator; secretFile: string; env: Record<string, string> }> {
  const sim = await startSimulator({
    sls: JSON.parse(readFileSync(system.sls, "utf8")) as SlsDump,
    groups: JSON.parse(readFileSync(system.hsm, "utf8")) as HsmGroup[],
    clientSecret: secret,
  });
  const secretFile = join(tempDir(), "secret");
  writeFileSync(secretFile, secret, { mode: 0o600 });
  const env = {
    UAN_K3S_API_GATEWAY: sim.url,
    UAN_K3S_CA_CERT: sim.caFile,
    UAN_K3S_CLIENT_SECRET_FILE: secretFile,
  };
  return { sim, secretFile, env };
}
