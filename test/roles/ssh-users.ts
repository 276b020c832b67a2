import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Daemon } from "./e2e-tools";

/**
 * Real users of this machine who log in over real ssh, for the end-to-end suites: created with
 * useradd (a home, a login shell, a test key authorized) and removed with userdel.
 */

export interface TestUser {
  readonly name: string;
  readonly shell: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** Creates `name` with a home and `shell`, who may log in with the key `<key>.pub`. */
export function createUser(name: string, shell: string, key: string): TestUser {
  execFileSync("useradd", ["--create-home", "--shell", shell, name]);
  const id = (flag: string): number =>
    Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
  const user = { name, shell, uid: id("-u"), gid: id("-g"), home: join("/home", name) };
  writeUserFile(user, ".ssh/authorized_keys", readFileSync(`${key}.pub`, "utf8"), 0o600);
  return user;
}

/**
 * Writes `text` to `<home>/<path>`, making the directories on the way (mode 0700); the user
 * owns what is made, as if they had made it.
 */
export function writeUserFile(user: TestUser, path: string, text: string, mode = 0o644): void {
  let dir = user.home;
  for (const part of path.split("/").slice(0, -1)) {
    dir = join(dir, part);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownSync(dir, user.uid, user.gid);
  }
  const file = join(user.home, path);
  writeFileSync(file, text);
  chmodSync(file, mode);
  chownSync(file, user.uid, user.gid);
}

/** Removes the user and their home (what a test left running as them must be ended first). */
export function removeUser(user: TestUser): void {
  execFileSync("userdel", ["--remove", "--force", user.name], { stdio: "ignore" });
}

/** How an ssh login ended. */
export interface Login {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** An ssh login still running: what it printed so far, its stdin, and how it ends. */
export interface Session {
  readonly child: ChildProcess;
  stdout(): string;
  write(text: string): void;
  readonly done: Promise<Login>;
}

/** Where ssh logs in: 127.0.0.1:`port` with the private key `key`. */
export interface SshTarget {
  readonly key: string;
  readonly port: number;
}

/**
 * Starts `ssh user@127.0.0.1` (extra `options`, e.g. -tt; then `command` if given), with no
 * host key check and no user config, its stdin a pipe; killed after `timeoutMs`.
 */
export function sshSession(
  target: SshTarget,
  user: string,
  options: readonly string[],
  command?: string,
  timeoutMs = 30_000,
): Session {
  const child = spawn(
    "ssh",
    [
      ...["-F", "/dev/null", "-i", target.key, "-p", String(target.port)],
      ...["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"],
      ...["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"],
      ...["-o", "LogLevel=ERROR"],
      ...options,
      `${user}@127.0.0.1`,
      ...(command === undefined ? [] : [command]),
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // A write after ssh exited must not crash the suite: the test sees the exit instead.
  child.stdin.on("error", () => undefined);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<Login>((resolve) => {
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, write: (text) => child.stdin.write(text), done };
}

/** A whole ssh login: `input` (or nothing) on its stdin, then end of file. */
export function sshLogin(
  target: SshTarget,
  user: string,
  options: readonly string[],
  command?: string,
  input = "",
): Promise<Login> {
  const session = sshSession(target, user, options, command);
  session.child.stdin?.end(input);
  return session.done;
}

/** A login's outcome with the logs of HAProxy and every sshd, for an assertion message. */
export function loginReport(
  result: Login,
  haproxy: Daemon | undefined,
  sshd: ReadonlyMap<string, { readonly daemon: Daemon }>,
): string {
  const logs = [...sshd].map(([name, s]) => `--- sshd ${name}\n${s.daemon.output()}`);
  return [
    `exit ${String(result.code)}`,
    `--- stdout\n${result.stdout}`,
    `--- stderr\n${result.stderr}`,
    `--- haproxy\n${haproxy?.output() ?? ""}`,
    ...logs,
  ].join("\n");
}
