import * as fs from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { UserError } from "./errors";

/**
 * Several files under one directory replaced as one change: whenever a run is killed, the
 * files are all as they were, or all new once the next run has finished what it began.
 *
 * Renaming N files cannot be atomic, so the change has one commit point. beginChange takes
 * the directory's lock, `.uan-k3s-txn`; every new file is written and flushed inside it
 * (write), then commit renames a journal of the whole change into it: before that rename the
 * files are untouched, after it the change will be done. Then each file is renamed over its
 * target and the lock goes. A later beginChange or recoverChanges that finds the lock of a
 * dead run finishes its journal, or drops what it staged if there is none.
 *
 * The lock directory carries a `.gitignore` of `*`, so git shows none of it, even between a
 * kill and the next run. No other file is ever created beside the targets.
 */

/** The file-system calls a change makes; tests replace one to make it fail. */
export type ChangeOps = Pick<
  typeof fs,
  | "openSync"
  | "fchmodSync"
  | "writeFileSync"
  | "fsyncSync"
  | "closeSync"
  | "renameSync"
  | "rmSync"
  | "rmdirSync"
  | "mkdirSync"
  | "readFileSync"
  | "readdirSync"
  | "existsSync"
>;

/** The lock and staging directory, at the top of the directory being changed. */
export const CHANGE_DIR = ".uan-k3s-txn";
const JOURNAL = "journal.json";
const OWNER = "owner.json";
/** How long beginChange waits for another live run to finish its change. */
const WAIT_MS = 60_000;

/** One step of the journal: put the staged file at `path`, or remove `path` if none. */
interface Step {
  readonly path: string;
  readonly staged?: string;
}

/** What recoverChanges found: nothing, a dead run's change it finished, or one it dropped. */
export type Recovery =
  | { readonly found: "nothing" }
  | { readonly found: "finished"; readonly paths: readonly string[] }
  | { readonly found: "dropped" };

// The lock directories this process holds: its own pid in an owner file is then not a leftover.
const held = new Set<string>();

/** Whether `root` holds the journal of a change that is not finished (a run was killed). */
export function pendingChange(root: string, ops: ChangeOps = fs): boolean {
  return ops.existsSync(join(root, CHANGE_DIR, JOURNAL));
}

/**
 * Finishes or drops what a killed run left in `root` (waiting for a live one), and removes
 * its leftovers. Run it before reading files a change may have been halfway through.
 */
export function recoverChanges(root: string, ops: ChangeOps = fs): Recovery {
  // Nothing to do in a directory no change was ever made in: leave it untouched.
  if (!ops.existsSync(root)) return { found: "nothing" };
  if (!ops.readdirSync(root).some((name) => name.startsWith(CHANGE_DIR)))
    return { found: "nothing" };
  const { change, recovery } = lock(root, ops);
  change.end();
  return recovery;
}

/**
 * Takes `root`'s lock (creating `root`), first finishing or dropping what a killed run left.
 * Stage with write/remove, then commit; always call end (in a finally).
 */
export function beginChange(root: string, ops: ChangeOps = fs): Change {
  return lock(root, ops).change;
}

export class Change {
  private readonly steps: Step[] = [];
  private state: "open" | "committed" | "stuck" | "ended" = "open";

  /** @internal use beginChange */
  constructor(
    /** The directory changed. */
    readonly root: string,
    private readonly dir: string,
    private readonly ops: ChangeOps,
  ) {}

  /** Whether the commit point was passed: the change is then made, or will be. */
  get committed(): boolean {
    return this.state === "committed" || this.state === "stuck";
  }

  /** Stages `data` for `path` (relative to root, POSIX), flushed and with exactly `mode`. */
  write(path: string, data: string | Buffer, mode: number): void {
    this.assertOpen();
    const staged = String(this.steps.length);
    try {
      writeFlushed(join(this.dir, staged), data, mode, this.ops);
    } catch (error) {
      throw this.nothingChanged(join(this.root, path), error);
    }
    this.steps.push({ path, staged });
  }

  /** Stages the removal of `path`, and of the directories it leaves empty (never root). */
  remove(path: string): void {
    this.assertOpen();
    this.steps.push({ path });
  }

  /** Renames the journal into place (the commit point), then makes every staged step. */
  commit(): void {
    this.assertOpen();
    const journal = join(this.dir, JOURNAL);
    try {
      writeFlushed(`${journal}.tmp`, `${JSON.stringify(this.steps)}\n`, 0o600, this.ops);
      this.ops.renameSync(`${journal}.tmp`, journal);
      syncDirectory(this.dir, this.ops);
    } catch (error) {
      throw this.nothingChanged(journal, error);
    }
    this.state = "committed";
    try {
      applySteps(this.root, this.dir, this.steps, this.ops);
    } catch (error) {
      this.state = "stuck";
      throw new UserError(
        `cannot finish changing ${this.root}: ${(error as Error).message}`,
        `The change is recorded in ${this.dir}: fix the cause and run the same command ` +
          "again, which finishes it before anything else.",
        { cause: error },
      );
    }
  }

  /**
   * Releases the lock: drops what was staged if commit was not reached, removes the
   * journal once done. A change stuck after its commit point stays for the next run.
   */
  end(): void {
    if (this.state === "ended") return;
    held.delete(this.dir);
    if (this.state !== "stuck") release(this.root, this.dir, this.ops);
    this.state = "ended";
  }

  private assertOpen(): void {
    if (this.state !== "open") throw new Error(`change in ${this.root} is ${this.state}`);
  }

  private nothingChanged(path: string, error: unknown): UserError {
    return new UserError(
      `cannot write ${path}: ${(error as Error).message}`,
      `Nothing was changed in ${this.root}. Check that it is writable and has space, then re-run.`,
      { cause: error },
    );
  }
}

function lock(root: string, ops: ChangeOps): { change: Change; recovery: Recovery } {
  const dir = join(root, CHANGE_DIR);
  const mine = join(root, `${CHANGE_DIR}.${process.pid}`);
  const deadline = Date.now() + WAIT_MS;
  let recovery: Recovery = { found: "nothing" };
  try {
    ops.mkdirSync(root, { recursive: true });
    dropLeftovers(root, ops);
    // Built aside and renamed into place, so the lock is never seen without its owner.
    ops.rmSync(mine, { recursive: true, force: true });
    ops.mkdirSync(mine);
    writeFlushed(join(mine, ".gitignore"), "*\n", 0o644, ops);
    const owner = JSON.stringify({ pid: process.pid, host: hostname() });
    writeFlushed(join(mine, OWNER), `${owner}\n`, 0o644, ops);
  } catch (error) {
    removeQuietly(mine, ops);
    throw new UserError(
      `cannot write in ${root}: ${(error as Error).message}`,
      `Nothing was changed in ${root}. Check that it is writable and has space, then re-run.`,
      { cause: error },
    );
  }
  for (;;) {
    try {
      ops.renameSync(mine, dir);
      held.add(dir);
      return { change: new Change(root, dir, ops), recovery };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" && code !== "ENOTEMPTY") {
        removeQuietly(mine, ops);
        throw new UserError(`cannot lock ${root}: ${(error as Error).message}`, undefined, {
          cause: error,
        });
      }
    }
    // Gone since the rename failed: its run just ended.
    if (!ops.existsSync(dir)) continue;
    const owner = readOwner(dir, ops);
    if (owner.live) {
      if (Date.now() < deadline) {
        sleep(100);
        continue;
      }
      removeQuietly(mine, ops);
      throw new UserError(
        `another uan-k3s run (${owner.who}) is changing ${root}, and was still at it after ${WAIT_MS / 1000} s`,
        `Wait for it to end. If no such run is going on, remove ${dir} and re-run.`,
      );
    }
    recovery = finish(root, dir, ops);
  }
}

/** A dead run's change: made whole if its journal is there, dropped if not. */
function finish(root: string, dir: string, ops: ChangeOps): Recovery {
  const journal = join(dir, JOURNAL);
  if (!ops.existsSync(journal)) {
    release(root, dir, ops);
    return { found: "dropped" };
  }
  const steps = readJournal(journal, ops);
  try {
    applySteps(root, dir, steps, ops);
  } catch (error) {
    throw new UserError(
      `cannot finish the change an interrupted run began in ${root}: ${(error as Error).message}`,
      `It is recorded in ${dir}: fix the cause and re-run.`,
      { cause: error },
    );
  }
  release(root, dir, ops);
  return { found: "finished", paths: steps.map((step) => step.path) };
}

/**
 * Removes the temporary files earlier versions of uan-k3s left beside `paths` (relative to
 * `root`) when killed: `.<name>.<pid>.tmp` of a process that no longer runs, partial copies of
 * new content that nothing reads. Returns the paths removed, sorted.
 */
export function removeStrayTemporaryFiles(root: string, paths: readonly string[]): string[] {
  const strays = new Set<string>();
  for (const path of paths) {
    const dir = dirname(path);
    const name = basename(path).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const temporary = new RegExp(`^\\.${name}\\.(\\d+)\\.tmp$`);
    const names = fs.existsSync(join(root, dir)) ? fs.readdirSync(join(root, dir)) : [];
    for (const found of names) {
      const match = temporary.exec(found);
      const relative = dir === "." ? found : `${dir}/${found}`;
      if (match === null || isRunning(Number(match[1]))) continue;
      if (fs.lstatSync(join(root, relative)).isFile()) strays.add(relative);
    }
  }
  for (const stray of strays) fs.rmSync(join(root, stray), { force: true });
  return [...strays].sort();
}

/** Makes every step; each can be made again after a kill (a moved file is not staged). */
function applySteps(root: string, dir: string, steps: readonly Step[], ops: ChangeOps): void {
  const touched = new Set<string>();
  for (const step of steps) {
    const target = join(root, step.path);
    touched.add(dirname(target));
    if (step.staged === undefined) {
      ops.rmSync(target, { force: true });
      removeEmptyDirectories(root, dirname(target), ops);
    } else if (ops.existsSync(join(dir, step.staged))) {
      ops.mkdirSync(dirname(target), { recursive: true });
      try {
        ops.renameSync(join(dir, step.staged), target);
      } catch (error) {
        // Another run finishing the same dead change moved it first.
        if (ops.existsSync(join(dir, step.staged))) throw error;
      }
    }
  }
  for (const directory of touched) syncDirectory(directory, ops);
}

/** Removes `dir` and its parents while they are empty, up to (not including) `root`. */
function removeEmptyDirectories(root: string, dir: string, ops: ChangeOps): void {
  for (let at = dir; at !== root && at.startsWith(`${root}/`); at = dirname(at)) {
    if (!ops.existsSync(at) || ops.readdirSync(at).length > 0) return;
    ops.rmdirSync(at);
  }
}

/** Gives the lock up: renamed away at once (so it is free), then deleted. */
function release(root: string, dir: string, ops: ChangeOps): void {
  const gone = join(root, `${CHANGE_DIR}.${process.pid}.old`);
  ops.rmSync(gone, { recursive: true, force: true });
  try {
    ops.renameSync(dir, gone);
  } catch (error) {
    // Already released by another run that found it first.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  ops.rmSync(gone, { recursive: true, force: true });
}

/** Removes what killed runs left while building or deleting a lock directory. */
function dropLeftovers(root: string, ops: ChangeOps): void {
  const pattern = new RegExp(`^${CHANGE_DIR.replace(/\./g, "\\.")}\\.(\\d+)(\\.old)?$`);
  for (const name of ops.readdirSync(root)) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isRunning(pid)) continue;
    try {
      ops.rmSync(join(root, name), { recursive: true, force: true });
    } catch {
      // Another run may be removing the same leftover.
    }
  }
}

function readOwner(dir: string, ops: ChangeOps): { live: boolean; who: string } {
  let owner: { pid?: unknown; host?: unknown };
  try {
    owner = JSON.parse(ops.readFileSync(join(dir, OWNER), "utf8")) as typeof owner;
  } catch {
    // Every lock is renamed into place with its owner file, so this one is a broken leftover.
    return { live: false, who: "unknown" };
  }
  const pid = typeof owner.pid === "number" ? owner.pid : -1;
  const who = `pid ${pid} on ${String(owner.host)}`;
  // On another host (a shared file system) there is no telling: assume it is running.
  if (owner.host !== hostname()) return { live: true, who };
  if (pid === process.pid) return { live: held.has(dir), who };
  return { live: isRunning(pid), who };
}

function readJournal(path: string, ops: ChangeOps): Step[] {
  const bad = (): UserError =>
    new UserError(
      `${path} is not a journal uan-k3s wrote`,
      `Remove ${dirname(path)} by hand, check the files, and re-run.`,
    );
  let steps: unknown;
  try {
    steps = JSON.parse(ops.readFileSync(path, "utf8"));
  } catch {
    throw bad();
  }
  const valid = (step: unknown): step is Step => {
    if (typeof step !== "object" || step === null) return false;
    const { path: file, staged } = step as Record<string, unknown>;
    return (
      typeof file === "string" &&
      insideRoot(file) &&
      (staged === undefined || (typeof staged === "string" && /^\d+$/.test(staged)))
    );
  };
  if (!Array.isArray(steps) || !steps.every(valid)) throw bad();
  return steps;
}

/** A relative POSIX path that stays inside the root and outside the lock directory. */
function insideRoot(path: string): boolean {
  const segments = path.split("/");
  return (
    path !== "" &&
    !path.startsWith("/") &&
    !path.includes("\0") &&
    segments.every((s) => s !== "" && s !== "." && s !== "..") &&
    !segments[0].startsWith(CHANGE_DIR)
  );
}

function writeFlushed(path: string, data: string | Buffer, mode: number, ops: ChangeOps): void {
  const fd = ops.openSync(path, "wx", mode);
  try {
    // Exactly `mode`, not `mode` through the umask.
    ops.fchmodSync(fd, mode);
    ops.writeFileSync(fd, data);
    ops.fsyncSync(fd);
  } finally {
    ops.closeSync(fd);
  }
}

/** Flushes the renames in `dir`, so a crash right after cannot bring the old names back. */
function syncDirectory(dir: string, ops: ChangeOps): void {
  try {
    const fd = ops.openSync(dir, "r");
    try {
      ops.fsyncSync(fd);
    } finally {
      ops.closeSync(fd);
    }
  } catch {
    // Some file systems refuse to fsync a directory; the files themselves are flushed.
  }
}

function removeQuietly(path: string, ops: ChangeOps): void {
  try {
    ops.rmSync(path, { recursive: true, force: true });
  } catch {
    // The error that brought us here is the one to report.
  }
}

/** Whether a process `pid` runs on this host (one of another user's counts). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
