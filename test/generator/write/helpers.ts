import { expect } from "chai";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { UserError } from "../../../core/errors";
import { MARKER, type GeneratedFile } from "../../../generator/write";

const made: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "uan-k3s-write-"));
  made.push(dir);
  return dir;
}

// Mocha runs a hook registered outside any describe once, after every test file.
after(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `text` to `dir/path`, creating directories, as a person editing the checkout would. */
export function put(dir: string, path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
  chmodSync(join(dir, path), mode);
}

export function read(dir: string, path: string): string {
  return readFileSync(join(dir, path), "utf8");
}

/**
 * Every directory and file below `dir` (not .git) with its mode and bytes, in a stable order:
 * two equal snapshots mean nothing on disk changed.
 */
export function snapshot(dir: string, prefix = ""): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of readdirSync(join(dir, prefix)).sort()) {
    if (prefix === "" && name === ".git") continue;
    const path = prefix === "" ? name : `${prefix}/${name}`;
    const stat = lstatSync(join(dir, path));
    const mode = (stat.mode & 0o777).toString(8);
    if (stat.isDirectory()) {
      result[`${path}/`] = mode;
      Object.assign(result, snapshot(dir, path));
    } else {
      result[path] = `${mode} ${readFileSync(join(dir, path)).toString("base64")}`;
    }
  }
  return result;
}

/** Just the file paths below `dir` (not .git), sorted. */
export function filesIn(dir: string): string[] {
  return Object.keys(snapshot(dir)).filter((path) => !path.endsWith("/"));
}

/** A small rendered tree, the shape gen-roles produces. */
export function rendered(version = "1"): Record<string, string | GeneratedFile> {
  return {
    "k3s.yml": `# ${MARKER}\n- hosts: Application_UAN\n  roles: [uan_k3s_stage]\n`,
    "vars/uan_k3s.yml": `# ${MARKER}\nk3s_version: "${version}"\n`,
    "roles/uan_k3s_stage/tasks/main.yml": `# ${MARKER}\n- name: stage\n  debug: {}\n`,
    "roles/uan_k3s_stage/files/install.sh": {
      text: `#!/bin/sh\n# ${MARKER}\necho ${version}\n`,
      executable: true,
    },
  };
}

export function textOf(files: Record<string, string | GeneratedFile>, path: string): string {
  const value = files[path];
  return typeof value === "string" ? value : value.text;
}

/** `files` without `path`: what the renderer hands over once it stops generating a file. */
export function without(
  files: Record<string, string | GeneratedFile>,
  path: string,
): Record<string, string | GeneratedFile> {
  const { [path]: _dropped, ...rest } = files;
  return rest;
}

/** HPE's own files, as a fresh uan-config-management checkout has them. */
export function hpeCheckout(dir: string): void {
  put(dir, "k3s.yml", "- hosts: Application_UAN\n  roles: [uan_k3s_install]\n");
  put(dir, "vars/uan_helm.yml", 'metallb_ipaddresspool_range_start: "x.x.x.x"\n');
  put(dir, "roles/uan_interfaces/tasks/main.yml", "- name: interfaces\n");
}

/** The UserError `fn` throws (or rejects with), sync or async; fails the test otherwise. */
export async function userErrorFrom(fn: () => unknown): Promise<UserError> {
  try {
    await fn();
  } catch (error) {
    expect(error).to.be.instanceOf(UserError);
    return error as UserError;
  }
  expect.fail("expected a UserError");
}

/**
 * An environment in which git sees no configuration but the repository's own: HOME is an empty
 * directory and the system config is off, so no identity leaks in from the machine.
 */
export function isolatedGitEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: tempDir(),
    GIT_CONFIG_NOSYSTEM: "1",
    LANG: "C",
  };
}

/** Runs git in `dir` for the test's own setup and checks. */
export function git(dir: string, env: NodeJS.ProcessEnv, ...args: string[]): string {
  return execFileSync("git", args, { cwd: dir, env, encoding: "utf8" }).trim();
}
