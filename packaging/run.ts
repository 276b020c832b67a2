import { runProcess, type RunOptions } from "../core/subprocess";

/** Runs a build tool and returns its stdout; a non-zero exit stops the release with its stderr. */
export async function must(
  program: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const result = await runProcess(program, args, { timeoutMs: 600_000, ...options });
  if (result.code !== 0)
    throw new Error(`${program} ${args.join(" ")} failed (exit ${result.code}):\n${result.stderr}`);
  return result.stdout;
}
