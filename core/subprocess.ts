import { execFile } from "node:child_process";
import { UserError } from "./errors";

/**
 * The one way uan-k3s runs another program (git, kubectl, openssl): never through a shell,
 * never waiting on a terminal prompt, in the C locale so that messages can be matched, and
 * never longer than a timeout. It never rejects for an exit status: the caller decides what a
 * non-zero exit means. Only a program that cannot be started at all is a UserError.
 */

export interface RunOptions {
  /** Working directory. @default process.cwd() */
  readonly cwd?: string;
  /** The environment before the safety settings are added. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default 120000 (two minutes) */
  readonly timeoutMs?: number;
  /** Largest stdout or stderr kept. @default 64 MiB */
  readonly maxBuffer?: number;
  /** What to do when the program is not installed, e.g. "Install git (zypper install git-core)." */
  readonly installHint?: string;
}

export interface RunResult {
  /** The exit status; 1 when the program was killed (see timedOut). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export const DEFAULT_TIMEOUT_MS = 120_000;

export function runProcess(
  program: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const env = {
    ...(options.env ?? process.env),
    LC_ALL: "C",
    // git would otherwise ask for a password on the terminal and wait for ever.
    GIT_TERMINAL_PROMPT: "0",
  };
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      args,
      {
        cwd: options.cwd,
        env,
        encoding: "utf8",
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (failure !== null && typeof failure.code === "string") {
          const message =
            failure.code === "ENOENT"
              ? `${program} is not installed`
              : `cannot run ${program}: ${failure.message}`;
          reject(new UserError(message, options.installHint, { cause: error }));
          return;
        }
        resolve({
          code: failure === null ? 0 : typeof failure.code === "number" ? failure.code : 1,
          stdout,
          stderr,
          timedOut: failure?.killed === true,
        });
      },
    );
    // No prompt can be answered: a program that reads stdin gets end-of-file at once.
    child.stdin?.end();
  });
}
