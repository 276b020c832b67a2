import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * The system tools the tests drive, with the Debian package that installs each (what .ci/run
 * installs). `at` is the absolute path a test runs, for tools not run through PATH.
 */
export const TOOLS = {
  ansible: { package: "ansible-core" },
  "ansible-inventory": { package: "ansible-core" },
  "ansible-lint": { package: "ansible-lint" },
  "ansible-playbook": { package: "ansible-core" },
  bash: { package: "bash" },
  // The root filesystem of the test image: a static busybox runs in a container with no libc.
  busybox: { package: "busybox-static", at: "/bin/busybox" },
  chromium: { package: "chromium", at: process.env.CHROMIUM ?? "/usr/bin/chromium" },
  chroot: { package: "coreutils", at: "/usr/sbin/chroot" },
  // The local OCI registry the test image is pushed to and pulled from.
  "docker-registry": { package: "docker-registry" },
  git: { package: "git" },
  groff: { package: "groff-base" },
  haproxy: { package: "haproxy" },
  ldd: { package: "libc-bin" },
  man: { package: "man-db" },
  // Rootless podman maps each user's subordinate ids with these.
  newuidmap: { package: "uidmap" },
  objdump: { package: "binutils" },
  openssl: { package: "openssl" },
  podman: { package: "podman" },
  // The tests feed YAML to PyYAML, which Debian packages apart from python3.
  python3: { package: "python3-yaml" },
  rpm: { package: "rpm" },
  rpmbuild: { package: "rpm" },
  // Debian's podman recommends crun, which fails here (cgroups in hybrid mode): runc runs.
  runc: { package: "runc" },
  // A pseudo-terminal for the tests of what uan-k3s does only at a terminal (progress, color).
  script: { package: "bsdutils" },
  ssh: { package: "openssh-client" },
  "ssh-keygen": { package: "openssh-client" },
  sshd: { package: "openssh-server", at: "/usr/sbin/sshd" },
  tar: { package: "tar" },
  useradd: { package: "passwd" },
  zsh: { package: "zsh" },
} as const satisfies Record<string, { package: string; at?: string }>;

export type Tool = keyof typeof TOOLS;

/** Where a test may be skipped: the title of a suite that needs a missing tool ends with it. */
const MARK = /\[skipped: needs ([^\]]+)\]$/;

/** The command that installs `tool` on Debian. */
export function installCommand(tool: Tool): string {
  return `apt-get install -y ${TOOLS[tool].package}`;
}

/** Whether `tool` can be run: its `at` path, or an executable file of that name on PATH. */
export function installed(tool: Tool): boolean {
  const entry = TOOLS[tool];
  const candidates =
    "at" in entry
      ? [entry.at]
      : (process.env.PATH ?? "")
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, tool));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Whether a missing tool fails the run rather than skipping the tests that need it: with
 * UAN_K3S_REQUIRE_TOOLS=1, or on CI (CI set, as CI services do), unless UAN_K3S_REQUIRE_TOOLS=0.
 */
export function toolsRequired(): boolean {
  const require = process.env.UAN_K3S_REQUIRE_TOOLS;
  if (require !== undefined && require !== "") return require !== "0";
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci !== "false";
}

/**
 * Declares, at the top of a describe body, the system tools its tests run. When one is
 * missing, the suite is skipped and its title names the tools (the reporter lists each with
 * its install command); when tools are required (toolsRequired()), it fails instead. Call it
 * before the suite's hooks: a skipped suite registers none, so they never run.
 *
 *     describe("the haproxy role", function () {
 *       needs(this, "ansible-playbook", "haproxy");
 */
export function needs(suite: Mocha.Suite, ...tools: Tool[]): void {
  const missing = tools.filter((tool) => !installed(tool));
  if (missing.length === 0) return;
  if (toolsRequired()) {
    const list = missing.map((tool) => `${tool} (${installCommand(tool)})`).join(", ");
    suite.beforeAll(`needs ${missing.join(", ")}`, () => {
      throw new Error(
        `not installed: ${list}. Tools are required (UAN_K3S_REQUIRE_TOOLS=1 or CI), so this fails rather than skips.`,
      );
    });
    return;
  }
  suite.title += ` [skipped: needs ${missing.join(", ")}]`;
  suite.pending = true;
}

/**
 * The missing tools that explain why the test with these titles (outermost first) was
 * skipped, or undefined when nothing does: only needs() may skip a test.
 */
export function skippedFor(titlePath: readonly string[]): Tool[] | undefined {
  if (toolsRequired()) return undefined;
  for (const title of titlePath) {
    const names = MARK.exec(title)?.[1]?.split(", ");
    if (names === undefined) continue;
    const tools = names.filter((name): name is Tool => Object.hasOwn(TOOLS, name));
    // The title alone proves nothing: the tools must really be missing here too.
    if (tools.length === names.length && tools.every((tool) => !installed(tool))) return tools;
  }
  return undefined;
}
