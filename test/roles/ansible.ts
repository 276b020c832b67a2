import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { run, type Result } from "../run";

export type { Result };

/**
 * Runs an Ansible tool in `cwd` with run()'s clean environment (a fresh HOME, so no user
 * config, collections or caches leak in), the system Python Ansible is installed for, no colour.
 */
export function ansible(
  cwd: string,
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Result> {
  return run(file, args, {
    cwd,
    env: {
      ANSIBLE_PYTHON_INTERPRETER: "/usr/bin/python3",
      // Each task's module goes to Python on stdin: no temp file, chmod and clean-up commands per
      // task, which made up much of the CPU the role tests burn.
      ANSIBLE_PIPELINING: "true",
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_FORCE_COLOR: "0",
      NO_COLOR: "1",
      ...env,
    },
  });
}

/** The output of a run, for assertion messages. */
export function output(result: Result): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

/** The variables that make every host of a test inventory this machine. */
const LOCAL = { ansible_connection: "local", ansible_python_interpreter: "/usr/bin/python3" };

/**
 * Writes `<dir>/inventory.yml`: `hosts` (name → host variables) reached locally, and
 * `groups` (name → member hosts) as children of all. Returns its path.
 */
export function writeLocalInventory(
  dir: string,
  hosts: Record<string, Record<string, unknown>>,
  groups: Record<string, readonly string[]> = {},
): string {
  const path = join(dir, "inventory.yml");
  const children = Object.fromEntries(
    Object.entries(groups).map(([group, members]) => [
      group,
      { hosts: Object.fromEntries(members.map((host) => [host, {}])) },
    ]),
  );
  writeFileSync(path, YAML.stringify({ all: { vars: LOCAL, hosts, children } }));
  return path;
}

/**
 * A small static inventory with the groups k3s.yml targets: one server, two agents (only used
 * for syntax checks, never to connect).
 */
export function writeInventory(dir: string): string {
  return writeLocalInventory(
    dir,
    { uan01: { cray_cfs_image: false }, uan02: {}, uan03: {} },
    {
      Application: ["uan01", "uan02", "uan03"],
      k3s_server: ["uan01"],
      k3s_agent: ["uan02", "uan03"],
    },
  );
}

/** Writes executable scripts (name → text) into `dir`: stand-ins for the CLIs a role runs. */
export function writeExecutables(dir: string, scripts: Record<string, string>): void {
  for (const [name, text] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  }
}

/** The role directories of a rendered tree, sorted. */
export function roleNames(tree: string): string[] {
  return readdirSync(join(tree, "roles"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** A scratch directory for a test's own files (outside the rendered tree). */
export function scratch(name: string): string {
  return mkdtempSync(join(tmpdir(), `uan-k3s-${name}-`));
}
