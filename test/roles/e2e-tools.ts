import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageTree } from "../../core/package-files";
import { renderRoles, TEMPLATES } from "../../generator/render";
import type { UanK3SConfig } from "../../schemas/generated/config";
import { ansible, output, type Result } from "./ansible";
import { fixtureModel, writeFiles, type SystemName } from "./render";

/**
 * Helpers for the tests of the uan_haproxy, uan_sshd and uan_podman roles: render the roles,
 * run real Ansible on them against localhost, and run real daemons on 127.0.0.1.
 */

/** The roles these suites cover. */
export const OWN_ROLES = ["uan_haproxy", "uan_podman", "uan_sshd"] as const;
export type OwnRole = (typeof OWN_ROLES)[number];

/** Temporary directories and files of one suite, all removed by cleanup(). */
export class Scratch {
  private readonly dirs: string[] = [];

  dir(prefix = "uan-k3s-roles-"): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** A file with `text` (mode `mode`) in a fresh directory; returns its path. */
  file(name: string, text: string, mode = 0o644): string {
    const path = join(this.dir(), name);
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The three roles and the vars files as gen-roles renders them for a fixture system and a
 * config, in a fresh directory (the root of a uan-config-management checkout). Only these
 * roles' templates are rendered, so the suites do not depend on the other roles' templates.
 */
export function renderOwnRoles(
  scratch: Scratch,
  system: SystemName,
  config: UanK3SConfig = {},
): string {
  const templates = packageTree(TEMPLATES).filter((file) =>
    OWN_ROLES.some((role) => file.path.startsWith(`roles/${role}/`)),
  );
  const tree = scratch.dir();
  writeFiles(tree, renderRoles(fixtureModel(system, config), templates));
  return tree;
}

/** What Ansible needs, besides ansible()'s clean environment, to run quietly on localhost. */
function ansibleEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ANSIBLE_LOCALHOST_WARNING: "false",
    ANSIBLE_PIPELINING: "true",
    ANSIBLE_INVENTORY_UNPARSED_WARNING: "false",
    ANSIBLE_RETRY_FILES_ENABLED: "false",
    ...extra,
  };
}

/** `-e` arguments: vars files (by path, in order: later ones win) then inline JSON. */
function extraVarArgs(files: readonly string[], vars: object): string[] {
  return [...files.flatMap((file) => ["-e", `@${file}`]), "-e", JSON.stringify(vars)];
}

/**
 * Renders `roles/<role>/templates/<template>` with Ansible's own template module, the way the
 * role does: role defaults, then the vars files, then `vars` (e.g. the loop item). Returns the
 * rendered file's path; throws with Ansible's output when it fails.
 */
export async function ansibleTemplate(
  tree: string,
  role: string,
  template: string,
  dest: string,
  varsFiles: readonly string[],
  vars: object,
): Promise<string> {
  const result = await ansible(
    tree,
    "ansible",
    [
      ...["localhost", "-c", "local", "-i", "localhost,", "-m", "ansible.builtin.template"],
      ...["-a", `src=${join(tree, "roles", role, "templates", template)} dest=${dest}`],
      ...extraVarArgs(
        [join(tree, "roles", role, "defaults", "main.yml"), ...varsFiles.map((f) => join(tree, f))],
        vars,
      ),
    ],
    ansibleEnv(),
  );
  if (result.code !== 0) throw new Error(`ansible template ${template} failed:\n${output(result)}`);
  return dest;
}

/** The PLAY RECAP counts of localhost. */
export interface Recap {
  readonly ok: number;
  readonly changed: number;
  readonly failed: number;
  readonly skipped: number;
}

export interface PlaybookResult extends Result {
  readonly recap: Recap;
}

/**
 * Runs `role` on localhost with ansible-playbook, from a play like k3s.yml's: the vars files,
 * then extra vars. `path` goes in front of PATH (stand-ins for helm, systemctl).
 */
export async function runRole(
  tree: string,
  role: OwnRole,
  options: {
    readonly varsFiles: readonly string[];
    readonly vars?: object;
    readonly check?: boolean;
    readonly path?: string;
    readonly env?: Record<string, string>;
  },
): Promise<PlaybookResult> {
  const playbook = join(tree, `play-${role}.yml`);
  writeFileSync(
    playbook,
    [
      "- name: Run one role on localhost",
      "  hosts: localhost",
      "  connection: local",
      "  gather_facts: false",
      "  vars_files:",
      ...options.varsFiles.map((file) => `    - ${file}`),
      "  roles:",
      `    - ${role}`,
      "",
    ].join("\n"),
  );
  const path = [options.path, process.env.PATH ?? "/usr/bin:/bin"].filter(Boolean).join(":");
  const result = await ansible(
    tree,
    "ansible-playbook",
    [
      ...["-i", "localhost,", playbook],
      ...(options.check === true ? ["--check"] : []),
      ...extraVarArgs([], options.vars ?? {}),
    ],
    ansibleEnv({ PATH: path, ...options.env }),
  );
  return { ...result, recap: recap(result) };
}

function recap(result: Result): Recap {
  const line = /^localhost\s+:\s+(.*)$/m.exec(result.stdout)?.[1] ?? "";
  const count = (key: string): number => Number(new RegExp(`${key}=(\\d+)`).exec(line)?.[1] ?? -1);
  return {
    ok: count("ok"),
    changed: count("changed"),
    failed: count("failed"),
    skipped: count("skipped"),
  };
}

/** Polls `check` every 50 ms until it holds; fails after `ms` with `what`. */
export async function waitFor(
  what: string,
  ms: number,
  check: () => boolean | Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A background process of a test, with everything it wrote so far. */
export interface Daemon {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Daemons started by a suite; stopAll() ends every one still running (for after hooks). */
export class Daemons {
  private readonly started: Daemon[] = [];

  start(file: string, args: readonly string[]): Daemon {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      child.once("exit", () => resolve());
      child.once("error", () => resolve());
    });
    const daemon: Daemon = {
      child,
      output: () => text,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(killer);
      },
    };
    this.started.push(daemon);
    return daemon;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((daemon) => daemon.stop()));
  }
}

/** A throwaway ed25519 key pair (no passphrase) in `dir`; returns the private key's path. */
export function keyPair(dir: string, name = "id"): string {
  const key = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "uan-k3s test", "-f", key]);
  return key;
}

/**
 * Debian's sshd wants its privilege separation directory. It is left in place afterwards (as
 * the sshd package's own service leaves it): suites run in parallel, and another one may be
 * starting an sshd with it.
 */
export function ensurePrivsepDir(): void {
  mkdirSync("/run/sshd", { mode: 0o755, recursive: true });
}

/**
 * Writes a stand-in for podman into `dir` and returns its path. It prints one line
 * `PODMAN <its arguments as JSON>`, then runs what follows `image` (the container command) on
 * this host with IN_CONTAINER set to the -h hostname, or prints INTERACTIVE when nothing
 * follows. So a test sees exactly what podman would get, and which commands ran "inside".
 */
export function writePodmanStub(dir: string, image: string): string {
  const path = join(dir, "podman");
  writeFileSync(
    path,
    [
      "#!/usr/bin/python3",
      "import json, os, sys",
      "args = sys.argv[1:]",
      'print("PODMAN " + json.dumps(args), flush=True)',
      `command = args[args.index(${JSON.stringify(image)}) + 1:]`,
      "if not command:",
      '    print("INTERACTIVE", flush=True)',
      "    sys.exit(0)",
      'env = dict(os.environ, IN_CONTAINER=args[args.index("-h") + 1])',
      "os.execvpe(command[0], command, env)",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return path;
}

/** The arguments the podman stand-in printed, one array per run, from `text`. */
export function podmanRuns(text: string): string[][] {
  return [...text.matchAll(/^PODMAN (.*)$/gm)].map(
    (match) => JSON.parse(match[1] ?? "[]") as string[],
  );
}

/**
 * A stand-in for systemctl with the calls the systemd module makes (daemon-reload, show,
 * is-enabled, enable, start, restart), units "loaded" when their file is in the unit dir, and
 * every call logged.
 */
export const SYSTEMCTL_STUB = `#!/usr/bin/python3
import json, os, sys

state, units = os.environ["SYSTEMCTL_STUB_STATE"], os.environ["SYSTEMCTL_STUB_UNITS"]
args = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
with open(os.path.join(state, "calls.log"), "a") as log:
    log.write(" ".join(args) + "\\n")
state_file = os.path.join(state, "units.json")
known = json.load(open(state_file)) if os.path.exists(state_file) else {}
verb, unit = args[0], (args[1] if len(args) > 1 else None)
status = known.setdefault(unit, {"enabled": False, "active": False}) if unit else None
if verb == "show":
    loaded = os.path.exists(os.path.join(units, unit))
    print("Id=%s\\nLoadState=%s\\nActiveState=%s\\nUnitFileState=%s" % (
        unit, "loaded" if loaded else "not-found", "active" if status["active"] else "inactive",
        "enabled" if status["enabled"] else "disabled"))
elif verb == "is-enabled":
    print("enabled" if status["enabled"] else "disabled")
    sys.exit(0 if status["enabled"] else 1)
elif verb == "enable":
    status["enabled"] = True
elif verb in ("start", "restart"):
    status["active"] = True
elif verb != "daemon-reload":
    sys.exit("systemctl stub: unexpected " + " ".join(args))
json.dump(known, open(state_file, "w"))
`;
