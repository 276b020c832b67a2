import { isUserError } from "../core/errors";
import { shellQuote } from "../core/shell";
import { runProcess } from "../core/subprocess";
import { pass, skip, warn, type Check } from "./check";

const TITLE = "The generated tree's commit is pushed (CFS clones it from VCS)";

/**
 * HEAD of the checkout at `out` is on a remote-tracking branch, so CFS can check it out. Reads
 * only what the last fetch or push recorded; doctor never reaches for the remote itself.
 */
export async function checkPushed(out: string | undefined): Promise<Check[]> {
  if (out === undefined) return [];
  const git = gitIn(out);
  const head = await git("rev-parse", "--verify", "HEAD");
  if (head === undefined) return [skip("pushed", TITLE, notACheckout(out))];
  const remote = await git("branch", "-r", "--contains", head);
  if (remote !== undefined && remote !== "") {
    const first = remote.split("\n")[0].trim();
    return [pass("pushed", TITLE, `${head.slice(0, 12)} is on ${first}`)];
  }
  const branch = (await git("symbolic-ref", "--short", "HEAD")) ?? "HEAD";
  const target = branch === "HEAD" ? "HEAD:refs/heads/<branch>" : branch;
  return [
    warn(
      "pushed",
      TITLE,
      `${head.slice(0, 12)} (${branch}) is on no remote branch: CFS cannot check it out`,
      `git -C ${shellQuote(out)} push origin ${target}`,
    ),
  ];
}

/** Runs git in `out`: its trimmed stdout, or undefined when it fails or git is missing. */
export function gitIn(out: string): (...args: string[]) => Promise<string | undefined> {
  return async (...args) => {
    try {
      const result = await runProcess("git", ["-C", out, ...args]);
      return result.code === 0 ? result.stdout.trim() : undefined;
    } catch (error) {
      if (isUserError(error)) return undefined; // git missing: the tool check says so
      throw error;
    }
  };
}

/** Why a check of HEAD of `out` is skipped when git cannot read one. */
export const notACheckout = (out: string): string => `${out} is not a git checkout with a commit`;
