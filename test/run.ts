import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The one way tests run a program to the end: uan-k3s, Ansible, Chromium. */

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** @default the fresh HOME */
  readonly cwd?: string;
  /** Added to (and overriding) the clean environment. */
  readonly env?: Record<string, string>;
  /** Kill the program after this long; its result is then a failure. @default none */
  readonly timeoutMs?: number;
}

/** A fresh directory under the system's temporary directory. */
export function tempDir(prefix = "uan-k3s-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Runs `file` with a clean environment: only PATH from the developer's, so nothing like
 * UAN_K3S_*, TOKEN, CRAY_CREDENTIALS or a user's Ansible config leaks in, and a fresh HOME
 * (so no cache or collections either). Never rejects: a program that cannot start is code -1.
 */
export function run(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Result> {
  const home = tempDir();
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    ANSIBLE_LOCAL_TEMP: join(home, "tmp"),
    ...options.env,
  };
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd ?? home,
        env,
        maxBuffer: 64 * 1024 * 1024,
        ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({
          code,
          stdout,
          stderr: error !== null && code === -1 ? `${error.message}\n${stderr}` : stderr,
        });
      },
    );
  });
}
