import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../core/errors";
import { readTextFile } from "../core/fs";
import type { Log } from "../core/log";
import { redactUrl } from "../core/secrets";
import { runProcess, type RunResult } from "../core/subprocess";
import { CFS_LAYER_DEFAULTS } from "./defaults";
import { checkBranchName, repoPath, type LayerRevision } from "./layer";

/** A VCS (Gitea) account. Never printed, logged, put on a command line or into a URL. */
export interface VcsCredentials {
  readonly username: string;
  readonly password: string;
}

export interface RevisionGitOptions {
  readonly log: Log;
  /** The environment git runs with (proxies, HOME). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** For the remote: used through GIT_ASKPASS, and only for it. */
  readonly credentials?: VcsCredentials;
  /** PEM bundle for an https remote (the platform CA), as GIT_SSL_CAINFO. */
  readonly caCertFile?: string;
  /** @default 60000 */
  readonly timeoutMs?: number;
}

const CREDENTIALS_HINT =
  "Set VCS_USERNAME and VCS_PASSWORD (on a management node: VCS_USERNAME=crayvcs and " +
  "VCS_PASSWORD from `kubectl get secret -n services vcs-user-credentials " +
  "--template={{.data.vcs_password}} | base64 --decode`), or pass a credentials file.";

/**
 * The VCS account from a credentials file, else from VCS_USERNAME and VCS_PASSWORD; undefined
 * when neither is given (git may still have a credential helper of its own). The file holds
 * either JSON `{"username": "...", "password": "..."}` or two lines: the username, then the
 * password. Its contents never appear in an error.
 */
export function vcsCredentials(
  options: { file?: string; env?: NodeJS.ProcessEnv },
  log: Log,
): VcsCredentials | undefined {
  if (options.file !== undefined) return readCredentialsFile(options.file, log);
  const env = options.env ?? process.env;
  const username = env.VCS_USERNAME;
  const password = env.VCS_PASSWORD;
  if (username === undefined && password === undefined) return undefined;
  if (!username || !password) {
    throw new UserError(
      `${username ? "VCS_PASSWORD" : "VCS_USERNAME"} is not set (or empty) while ${username ? "VCS_USERNAME" : "VCS_PASSWORD"} is`,
      CREDENTIALS_HINT,
    );
  }
  return { username, password };
}

function readCredentialsFile(file: string, log: Log): VcsCredentials {
  const text = readTextFile(file, "VCS credentials file");
  if ((statSync(file).mode & 0o077) !== 0) {
    log.warn(`VCS credentials file ${file} can be read by other users; chmod 600 it`);
  }
  const bad = (why: string): UserError =>
    new UserError(
      `VCS credentials file ${file}: ${why}`,
      'Write either {"username": "crayvcs", "password": "..."} or two lines: the username, then the password.',
    );
  let username: unknown;
  let password: unknown;
  if (text.trimStart().startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // JSON.parse's message can quote the text, which is the password.
      throw bad("not valid JSON");
    }
    ({ username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown });
  } else {
    [username, password] = text.replace(/\r?\n$/, "").split(/\r?\n/);
  }
  if (typeof username !== "string" || username === "") throw bad("no username");
  if (typeof password !== "string" || password === "") throw bad("no password");
  return { username, password };
}

/** Where the layer's commit comes from, as the admin said it. */
export type RevisionSource =
  | { readonly kind: "commit"; readonly commit: string }
  | {
      readonly kind: "checkout";
      readonly dir: string;
      readonly allowDirty?: boolean;
      /** Refuse a HEAD on no remote-tracking branch (for a write: CFS could not fetch it). */
      readonly requirePushed?: boolean;
    }
  | { readonly kind: "branch"; readonly branch: string; readonly keepBranch?: boolean };

/**
 * The layer's revision: an explicit SHA as it is, HEAD of a local checkout, or the head of a
 * branch on the remote (`cloneUrl`), which with `keepBranch` is left for CFS to resolve.
 */
export async function resolveRevision(
  source: RevisionSource,
  cloneUrl: string,
  options: RevisionGitOptions,
): Promise<LayerRevision> {
  switch (source.kind) {
    case "commit":
      return { commit: source.commit };
    case "checkout":
      return { commit: await checkoutHead(source.dir, cloneUrl, { ...options, ...source }) };
    case "branch":
      if (source.keepBranch === true) return { branch: source.branch };
      return { commit: await remoteBranchHead(cloneUrl, source.branch, options) };
  }
}

/**
 * HEAD of the git checkout in `dir`. Modified tracked files are refused unless `allowDirty`
 * (they are not in the commit CFS would run); a commit on no remote-tracking branch (CFS could
 * not fetch it) is refused with `requirePushed`, else warned about, as are untracked files and
 * an origin other than `cloneUrl`.
 */
export async function checkoutHead(
  dir: string,
  cloneUrl: string,
  options: RevisionGitOptions & { allowDirty?: boolean; requirePushed?: boolean },
): Promise<string> {
  const git = (args: string[]): Promise<RunResult> => runGit(["-C", dir, ...args], options);
  const head = await git(["rev-parse", "--verify", "HEAD^{commit}"]);
  if (head.code !== 0) {
    throw new UserError(
      `${dir} is not a git checkout with a commit: ${lastLines(head.stderr)}`,
      "Pass the directory of your uan-config-management checkout, or give the commit itself.",
    );
  }
  const sha = head.stdout.trim();
  const status = await git(["status", "--porcelain", "--untracked-files=normal"]);
  const changes = status.stdout.split("\n").filter((line) => line !== "");
  const modified = changes.filter((line) => !line.startsWith("??"));
  if (modified.length > 0) {
    const what = `${dir} has ${modified.length} modified file(s) that are not in commit ${sha}`;
    if (options.allowDirty !== true) {
      throw new UserError(
        `${what}: ${listed(modified.map((line) => line.slice(3)))}`,
        "Commit and push them (CFS runs only what is pushed), or pass --allow-dirty to use HEAD anyway.",
      );
    }
    options.log.warn(`${what}; using HEAD as it is`);
  }
  if (changes.length > modified.length) {
    options.log.warn(
      `${dir} has ${changes.length - modified.length} untracked file(s); they are not in commit ${sha}`,
    );
  }
  const remote = await git(["branch", "-r", "--contains", sha]);
  if (remote.code === 0 && remote.stdout.trim() === "") {
    const what = `commit ${sha} is on no remote-tracking branch of ${dir}`;
    if (options.requirePushed === true) {
      throw new UserError(
        `${what}: CFS clones the repository from VCS and cannot check out a commit it lacks`,
        "Push it (git push), then run again; or pass --force to write the layer anyway.",
      );
    }
    options.log.warn(`${what}: push it, or CFS cannot check it out`);
  }
  const origin = await git(["remote", "get-url", "origin"]);
  // Only the path is shown: an origin URL may hold a password.
  if (origin.code === 0 && repoPath(origin.stdout.trim()) !== repoPath(cloneUrl)) {
    options.log.warn(
      `${dir} is a checkout of ${repoPath(origin.stdout.trim())}, but the layer clones ${repoPath(cloneUrl)}`,
    );
  }
  return sha;
}

/**
 * The commit at the head of `branch` in the remote repository, by `git ls-remote`. Credentials
 * reach git only through GIT_ASKPASS: a script in a private temporary directory that prints
 * two environment variables of the git process, so they are on no command line and in no URL;
 * credential helpers are switched off so that git does not store them either.
 */
export async function remoteBranchHead(
  cloneUrl: string,
  branch: string,
  options: RevisionGitOptions,
): Promise<string> {
  checkBranchName(branch);
  const ref = `refs/heads/${branch}`;
  const result = await withAskpass(options, (env, config) =>
    runGit([...config, "ls-remote", "--heads", "--", cloneUrl], { ...options, env }),
  );
  if (result.code !== 0) throw lsRemoteFailure(cloneUrl, result, options.credentials);
  const heads = new Map(
    result.stdout
      .split("\n")
      .map((line) => line.split("\t"))
      .filter((fields) => fields.length === 2)
      .map(([sha, name]) => [name, sha]),
  );
  const sha = heads.get(ref);
  if (sha === undefined) {
    const names = [...heads.keys()].map((name) => name.replace(/^refs\/heads\//, ""));
    throw new UserError(
      `branch ${branch} does not exist in ${redactUrl(cloneUrl)}`,
      names.length === 0
        ? "The repository has no branches at all; check the clone URL."
        : `Its branches: ${listed(names)}.`,
    );
  }
  options.log.info(`branch ${branch} of ${redactUrl(cloneUrl)} is at ${sha}`);
  return sha;
}

function lsRemoteFailure(
  cloneUrl: string,
  result: RunResult,
  credentials: VcsCredentials | undefined,
): UserError {
  const said = redact(lastLines(result.stderr), credentials);
  const shown = redactUrl(cloneUrl);
  if (result.timedOut) {
    return new UserError(
      `git ls-remote ${shown} did not finish in time`,
      "Check that this host can reach VCS (through the API gateway) and try again.",
    );
  }
  if (
    /Authentication failed|could not read (Username|Password)|terminal prompts disabled/.test(said)
  ) {
    return new UserError(
      `VCS refused access to ${shown}: ${said}`,
      credentials === undefined
        ? CREDENTIALS_HINT
        : `Check the VCS credentials. ${CREDENTIALS_HINT}`,
    );
  }
  if (/SSL|certificate/i.test(said)) {
    return new UserError(
      `cannot verify the TLS certificate of ${shown}: ${said}`,
      "Pass the platform CA (/etc/pki/trust/anchors/platform-ca-certs.crt) with --ca-cert.",
    );
  }
  return new UserError(`git ls-remote ${shown} failed: ${said}`);
}

/**
 * Runs `action` with an environment that answers git's credential prompts from `credentials`
 * (or, without them, answers nothing instead of prompting), and the `-c` options that go with it.
 */
async function withAskpass<T>(
  options: RevisionGitOptions,
  action: (env: NodeJS.ProcessEnv, config: string[]) => Promise<T>,
): Promise<T> {
  const base: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  if (options.caCertFile !== undefined) base.GIT_SSL_CAINFO = options.caCertFile;
  if (options.credentials === undefined) {
    // An empty GIT_ASKPASS stops git from falling back to SSH_ASKPASS or core.askPass.
    return action({ ...base, GIT_ASKPASS: "" }, []);
  }
  const dir = mkdtempSync(join(tmpdir(), "uan-k3s-askpass-"));
  try {
    const script = join(dir, "askpass");
    writeFileSync(
      script,
      '#!/bin/sh\ncase "$1" in\n  Username*) printf \'%s\\n\' "$UAN_K3S_VCS_USERNAME" ;;\n' +
        "  *) printf '%s\\n' \"$UAN_K3S_VCS_PASSWORD\" ;;\nesac\n",
      { mode: 0o700 },
    );
    const env = {
      ...base,
      GIT_ASKPASS: script,
      UAN_K3S_VCS_USERNAME: options.credentials.username,
      UAN_K3S_VCS_PASSWORD: options.credentials.password,
    };
    // An empty credential.helper clears the configured helpers: none of them stores the password.
    return await action(env, ["-c", "credential.helper="]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs git (see runProcess: no shell, no prompt, C locale) and never rejects for its exit. */
export function runGit(args: readonly string[], options: RevisionGitOptions): Promise<RunResult> {
  // Credentials reach git through GIT_ASKPASS, never its arguments: safe to show.
  options.log.progress?.(`git ${args.join(" ")}`);
  return runProcess("git", args, {
    env: options.env,
    timeoutMs: options.timeoutMs ?? CFS_LAYER_DEFAULTS.gitTimeoutMs,
    installHint: "Install git (zypper install git-core).",
  });
}

/** What git complained about, on one line: its fatal: and error: lines, else its last lines. */
function lastLines(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const errors = lines.filter((line) => /^(fatal|error):/.test(line));
  return (errors.length > 0 ? errors : lines).slice(-3).join("; ") || "no message";
}

/** Belt and braces: git should never echo credentials, but nothing it says may carry them. */
function redact(text: string, credentials: VcsCredentials | undefined): string {
  if (credentials === undefined) return text;
  return text.split(credentials.password).join("***");
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, 10).join(", ");
  return items.length > 10 ? `${shown} and ${items.length - 10} more` : shown;
}
