import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { UserError } from "../../core/errors";
import type { Log } from "../../core/log";
import { runProcess, type RunResult } from "../../core/subprocess";
import type { WriteResult } from "./apply";
import type { FileMap } from "./files";
import { MANIFEST_FILE } from "./paths";
import { planWrite, type WritePlan } from "./plan";

export interface WorkTreeGitOptions {
  /** Where "created branch …" and "committed …" go. */
  readonly log: Log;
  /** The environment git runs with. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export interface CommitOptions extends WorkTreeGitOptions {
  /**
   * Commit on this branch (admins use `integration-<version>`), created from HEAD if missing.
   * @default the branch checked out
   */
  readonly branch?: string;
}

export interface CommitResult {
  /** HEAD after the commit, or HEAD as it was when there was nothing to commit. */
  readonly sha: string;
  readonly committed: boolean;
}

const BEFORE_WRITING = "Fix what git reports and re-run; nothing was written.";
const AFTER_WRITING =
  "Fix what git reports, then re-run with --git-commit (or commit by hand): the files are " +
  "written, only the commit is missing.";

/** Used only when git has no identity configured; the repository's config is never changed. */
const IDENTITY = { name: "uan-k3s", email: "uan-k3s@localhost" };

/**
 * Checks out `branch` in `dir`, or creates it from HEAD. Call it before planWrite, so that the
 * plan compares against that branch's files (and its manifest), not the ones checked out now.
 */
export async function checkoutBranch(
  dir: string,
  branch: string,
  options: WorkTreeGitOptions,
): Promise<void> {
  const git = await gitIn(dir, options, BEFORE_WRITING);
  await switchBranch(git, branch, options.log, false);
}

/**
 * The plan for writing `files` into `dir` once `branch` is checked out, made without
 * checking it out, so that a refusal comes before any change, git's included. When the
 * branch exists at another commit than HEAD, the plan is made against a temporary copy of its
 * files (plus the untracked files a switch keeps), removed before returning: such a plan is
 * only for refusing early (assertWritable, checkCommittable); plan again after the switch.
 */
export async function planForBranch(
  dir: string,
  branch: string,
  files: FileMap,
  options: WorkTreeGitOptions,
): Promise<WritePlan> {
  const git = await gitIn(dir, options, BEFORE_WRITING);
  await assertBranchName(git, branch);
  const tip = await git.run(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`]);
  const head = await git.run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
  // A new branch starts at HEAD and `git checkout -b` leaves the files as they are.
  if (tip.code !== 0 || tip.stdout === head.stdout) return planWrite(dir, files);
  const copy = mkdtempSync(join(tmpdir(), "uan-k3s-branch-"));
  try {
    // A private index: neither the repository's index nor its work tree is touched.
    const env = { ...git.env, GIT_INDEX_FILE: join(copy, "index") };
    const tree = join(copy, "tree");
    await git.ok(["read-tree", `refs/heads/${branch}`], env);
    await git.ok(["checkout-index", "--all", `--prefix=${tree}/`], env);
    const untracked = await git.ok(["ls-files", "--others", "--exclude-standard", "-z"]);
    for (const path of untracked.split("\0").filter((p) => p !== "")) {
      if (!existsSync(join(tree, path))) cpSync(join(git.dir, path), join(tree, path));
    }
    return planWrite(tree, files);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * Refuses early (before anything is written) what commitTree would refuse: `dir` not being the
 * top of a git work tree, or uncommitted changes there to files uan-k3s does not manage.
 */
export async function checkCommittable(
  dir: string,
  plan: WritePlan,
  options: WorkTreeGitOptions,
): Promise<void> {
  const git = await gitIn(dir, options, BEFORE_WRITING);
  await assertNoForeignChanges(git, managedPaths(plan.entries.map((entry) => entry.path)));
}

/**
 * Commits the files of `result` (written, unchanged and removed, and the manifest) and nothing
 * else: refuses if other tracked files have uncommitted changes, so someone's work is never
 * swept into it. Commits nothing when git sees no change in them.
 */
export async function commitTree(
  dir: string,
  result: WriteResult,
  options: CommitOptions,
): Promise<CommitResult> {
  const git = await gitIn(dir, options, AFTER_WRITING);
  if (git.dir !== realpathSync(result.dir)) {
    throw new Error(`commitTree: result is for ${result.dir}, not ${dir}`);
  }
  if (options.branch !== undefined) await switchBranch(git, options.branch, options.log, true);
  const paths = managedPaths([
    ...result.created,
    ...result.updated,
    ...result.removed,
    ...result.unchanged,
  ]);
  await assertNoForeignChanges(git, paths);

  const present = paths.filter((path) => existsSync(join(git.dir, path)));
  const absent = paths.filter((path) => !existsSync(join(git.dir, path)));
  if (present.length > 0) await git.ok(["add", "--", ...present]);
  if (absent.length > 0) {
    await git.ok(["rm", "--cached", "--quiet", "--ignore-unmatch", "--", ...absent]);
  }
  const staged = parseNameStatus(
    await git.ok(["diff", "--cached", "--name-status", "-z", "--no-renames", "--", ...paths]),
  );
  if (staged.length === 0) {
    const sha = await headSha(git);
    options.log.info(`nothing to commit: ${git.dir} already has these files at ${short(sha)}`);
    return { sha, committed: false };
  }
  const message = commitMessage(staged);
  await git.ok([
    ...(await missingIdentity(git)),
    "commit",
    "--quiet",
    "--cleanup=whitespace",
    "-m",
    message,
  ]);
  const sha = await headSha(git);
  options.log.info(`committed ${short(sha)}: ${message.split("\n")[0]}`);
  return { sha, committed: true };
}

interface Git {
  /** The work tree's top level, symbolic links resolved. */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs git; a non-zero exit is a UserError carrying git's own message. */
  ok(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string>;
  /** Runs git and returns the exit code with the output, for commands that answer by it. */
  run(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult>;
}

/**
 * A git runner for `dir`, which must be the top level of a work tree. `hint` goes with any
 * failing git command.
 */
async function gitIn(dir: string, options: WorkTreeGitOptions, hint: string): Promise<Git> {
  const root = resolve(dir);
  const notWorkTree = (why: string): UserError =>
    new UserError(
      `--git-commit needs --out to be the top of a git work tree; ${root} ${why}`,
      "Clone uan-config-management (git clone https://api-gw-service-nmn.local/vcs/cray/" +
        "uan-config-management.git) and point --out at it, or leave out --git-commit.",
    );
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw notWorkTree("is not a directory");
  }
  const env = options.env ?? process.env;
  const run = (cwd: string, args: readonly string[], override = env) => {
    options.log.progress?.(`git ${args.filter((arg) => arg !== "--literal-pathspecs").join(" ")}`);
    return runGit(cwd, args, override);
  };
  const top = await run(root, ["rev-parse", "--show-toplevel"]);
  if (top.code !== 0) throw notWorkTree("is not in one");
  const topLevel = top.stdout.replace(/\n$/, "");
  // Inside another repository (the admin's home in git, say) a commit would land in that one.
  if (realpathSync(topLevel) !== realpathSync(root)) {
    throw notWorkTree(`is inside the work tree at ${topLevel}, not its top`);
  }
  const git: Git = {
    dir: realpathSync(root),
    env,
    run: (args, override) => run(root, ["--literal-pathspecs", ...args], override),
    ok: async (args, override) => {
      const { code, stdout, stderr, timedOut } = await git.run(args, override);
      if (code === 0) return stdout;
      const command = args.find((arg, i) => !arg.startsWith("-") && args[i - 1] !== "-c");
      const said = timedOut ? "did not finish in time" : stderr.trim() || stdout.trim();
      throw new UserError(`git ${command} failed in ${root} (exit ${code}): ${said}`, hint);
    },
  };
  return git;
}

function runGit(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return runProcess("git", args, {
    cwd,
    env,
    installHint: "Install git, or leave out --git-commit.",
  });
}

/**
 * Puts the work tree on `branch`: creates it from HEAD if missing (the files in the work tree
 * stay as they are). With `sameCommitOnly` (after writing), an existing branch is checked out
 * only if it is at HEAD's commit, so the files were planned against the very tree committed.
 */
async function switchBranch(
  git: Git,
  branch: string,
  log: Log,
  sameCommitOnly: boolean,
): Promise<void> {
  await assertBranchName(git, branch);
  const current = await git.run(["symbolic-ref", "--quiet", "--short", "HEAD"]);
  if (current.code === 0 && current.stdout.trim() === branch) return;
  const existing = await git.run([
    "rev-parse",
    "--verify",
    "--quiet",
    `refs/heads/${branch}^{commit}`,
  ]);
  if (existing.code !== 0) {
    await git.ok(["checkout", "--quiet", "-b", branch]);
    log.info(`created branch ${branch} from ${current.stdout.trim() || "HEAD"}`);
    return;
  }
  if (sameCommitOnly && existing.stdout.trim() !== (await headSha(git))) {
    throw new UserError(
      `branch ${branch} exists at another commit than the one checked out, and the files ` +
        "were written against the checked-out one; nothing was committed",
      `Check out ${branch} before gen-roles writes (run it with --branch ${branch} --git-commit), ` +
        `or commit the files where they are.`,
    );
  }
  await git.ok(["checkout", "--quiet", branch, "--"]);
}

async function assertBranchName(git: Git, branch: string): Promise<void> {
  if (
    branch.startsWith("-") ||
    (await git.run(["check-ref-format", "--branch", branch])).code !== 0
  ) {
    throw new UserError(`--branch ${JSON.stringify(branch)} is not a valid git branch name`);
  }
}

async function assertNoForeignChanges(git: Git, paths: readonly string[]): Promise<void> {
  const ours = new Set(paths);
  const status = await git.ok(["status", "--porcelain=v1", "-z", "--untracked-files=no"]);
  const fields = status.split("\0");
  const foreign: string[] = [];
  for (let i = 0; i < fields.length; i += 1) {
    const field = fields[i];
    if (field.length < 4) continue;
    const code = field.slice(0, 2);
    const touched = [field.slice(3)];
    // A rename or copy names its source in the next field.
    if (/[RC]/.test(code)) touched.push(fields[(i += 1)]);
    if (touched.some((path) => !ours.has(path))) foreign.push(`  ${code} ${touched.join(" <- ")}`);
  }
  if (foreign.length > 0) {
    throw new UserError(
      `${git.dir} has uncommitted changes to files uan-k3s does not manage:\n${foreign.join("\n")}`,
      "Commit or stash them first (git stash), so that uan-k3s's commit holds only its own files.",
    );
  }
}

function managedPaths(paths: readonly string[]): string[] {
  return [...paths, MANIFEST_FILE];
}

async function headSha(git: Git): Promise<string> {
  return (await git.ok(["rev-parse", "--verify", "HEAD^{commit}"])).trim();
}

/** `-c` options for the identity parts git has none configured for; [] when it has both. */
async function missingIdentity(git: Git): Promise<string[]> {
  const configured = async (key: string) =>
    (await git.run(["config", "--get", key])).stdout.trim() !== "";
  const args: string[] = [];
  if (!(await configured("user.name"))) args.push("-c", `user.name=${IDENTITY.name}`);
  // git falls back to $EMAIL after user.email; a -c would override it.
  if (!(await configured("user.email")) && !git.env.EMAIL) {
    args.push("-c", `user.email=${IDENTITY.email}`);
  }
  return args;
}

interface Staged {
  readonly status: string;
  readonly path: string;
}

function parseNameStatus(output: string): Staged[] {
  const fields = output.split("\0").filter((field) => field !== "");
  const staged: Staged[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2)
    staged.push({ status: fields[i], path: fields[i + 1] });
  return staged;
}

/** `uan-k3s gen-roles: 3 added, 2 changed, 1 removed`, then the files under each heading. */
function commitMessage(staged: readonly Staged[]): string {
  const groups: [string, string[]][] = [
    ["added", []],
    ["changed", []],
    ["removed", []],
  ];
  for (const { status, path } of staged) {
    if (path === MANIFEST_FILE) continue;
    groups[status === "A" ? 0 : status === "D" ? 2 : 1][1].push(path);
  }
  const counts = groups.filter(([, paths]) => paths.length > 0);
  const summary =
    counts.length === 0
      ? "manifest updated"
      : counts.map(([what, paths]) => `${paths.length} ${what}`).join(", ");
  const body = counts.map(
    ([what, paths]) =>
      `${what[0].toUpperCase()}${what.slice(1)}:\n${paths.map((p) => `  ${p}`).join("\n")}`,
  );
  return [`uan-k3s gen-roles: ${summary}`, ...body].join("\n\n");
}

function short(sha: string): string {
  return sha.slice(0, 12);
}
