import { execFileSync } from "node:child_process";
import { chmodSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Check } from "../../doctor";
import { run as runClean } from "../run";
import { run, tempDir, UAN_K3S } from "./exec";

/** How the doctor test files run the built doctor and type the fixes it prints. */

/**
 * A PATH holding node and uan-k3s, and of the procedure's other programs only `tools` and the
 * stand-in `scripts` (name → shell script): what doctor finds there does not depend on the
 * machine the test runs on.
 */
export function pathWith(
  tools: readonly string[],
  scripts: Readonly<Record<string, string>> = {},
): string {
  const dir = tempDir();
  symlinkSync(process.execPath, join(dir, "node"));
  for (const tool of tools)
    symlinkSync(
      execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim(),
      join(dir, tool),
    );
  for (const [name, script] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return `${dir}:${dirname(UAN_K3S)}`;
}

export const GIT_ONLY = pathWith(["git"]);

/** `uan-k3s doctor --format json ARGS`: the exit code and the checks by id. */
export async function doctor(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; checks: Map<string, Check> }> {
  const result = await run(UAN_K3S, ["doctor", "--format", "json", ...args], {
    PATH: GIT_ONLY,
    ...env,
  });
  const { checks } = JSON.parse(result.stdout) as { checks: Check[] };
  return { code: result.code, checks: new Map(checks.map((check) => [check.id, check])) };
}

export const statuses = (checks: Map<string, Check>) =>
  Object.fromEntries([...checks].map(([id, check]) => [id, check.status]));

/**
 * Types `fix` into sh as an admin would, in a scratch directory (a --force or --yes leaves its
 * backup in the working directory), with `path` before the system's; its stdout, or a throw
 * if it fails. Not synchronous: a simulator in this process must go on answering meanwhile.
 */
export async function typed(fix: string, path = GIT_ONLY): Promise<string> {
  const result = await runClean("/bin/sh", ["-c", fix], {
    cwd: tempDir(),
    env: { PATH: `${path}:/usr/bin:/bin` },
  });
  if (result.code !== 0) throw new Error(`${fix}\nexit ${result.code}: ${result.stderr}`);
  return result.stdout;
}
