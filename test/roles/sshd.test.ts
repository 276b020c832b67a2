import { expect } from "chai";
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { PODMAN_DEFAULTS } from "../../generator/defaults";
import type { SshdInstance, UanK3SConfig } from "../../schemas/generated/config";
import { run } from "../cli/exec";
import { output } from "./ansible";
import {
  ansibleTemplate,
  ensurePrivsepDir,
  keyPair,
  podmanRuns,
  renderOwnRoles,
  runRole,
  Scratch,
  SYSTEMCTL_STUB,
  writePodmanStub,
} from "./e2e-tools";
import { needs } from "../tools";

const IMAGE = "registry.local/test/uai:1.0";
const ITEM = { uan_sshd_instance: "{{ uan_sshd_configs[0] }}" };

/** The ForceCommand line of a rendered sshd config. */
function forceCommand(config: string): string {
  const match = /^\s*ForceCommand (.*)$/m.exec(config);
  if (match?.[1] === undefined) throw new Error(`no ForceCommand in:\n${config}`);
  return match[1];
}

describe("uan_sshd templates, rendered by Ansible and checked by sshd", function () {
  needs(this, "ansible", "sshd", "ssh-keygen");
  this.timeout(120_000);
  const scratch = new Scratch();
  let hostKey = "";
  before(() => {
    ensurePrivsepDir();
    hostKey = keyPair(scratch.dir(), "host_key");
  });
  after(() => scratch.cleanup());

  /** sshd_config.j2 rendered for the first sshd instance of `config`, with a throwaway host key. */
  async function renderConfig(config: UanK3SConfig): Promise<{ path: string; text: string }> {
    const tree = renderOwnRoles(scratch, "split", config);
    const path = join(scratch.dir(), "sshd_config");
    await ansibleTemplate(tree, "uan_sshd", "sshd_config.j2", path, ["vars/uan_sshd.yml"], {
      ...ITEM,
      uan_sshd_host_keys: [hostKey],
    });
    return { path, text: readFileSync(path, "utf8") };
  }

  /** sshd's own test of `path`, then its effective settings for a user logging in. */
  async function sshdSettings(path: string): Promise<string> {
    const test = await run("/usr/sbin/sshd", ["-t", "-f", path]);
    expect(test.code, output(test)).to.equal(0);
    const effective = await run("/usr/sbin/sshd", [
      ...["-T", "-f", path, "-C", "user=alice,host=uan01,addr=127.0.0.1"],
    ]);
    expect(effective.code, output(effective)).to.equal(0);
    return effective.stdout;
  }

  function withSshd(instance: Partial<SshdInstance>): UanK3SConfig {
    return { sshd: [{ name: "uai", port: 9000, ...instance }] };
  }

  it("renders the seed's instance: its port and PID file, and the container ForceCommand sshd accepts", async () => {
    const { path, text } = await renderConfig({});
    expect(text).to.match(/^Port 9000$/m);
    expect(text).to.match(/^PidFile \/run\/sshd_uai\.pid$/m);
    expect(text).to.match(/^UsePAM yes$/m);
    expect(text).to.match(/^PermitRootLogin no$/m);
    expect(text).to.match(/^Match User \*$/m);
    expect(forceCommand(text)).to.equal(
      [
        `/bin/sh -c 'd="/scratch/containers/$USER";`,
        `e() { echo "$0: $d is not yours: ask an admin to remove it" >&2; exit 1; };`,
        `mkdir -p -m 700 "$d" || exit 1; test -h "$d" && e; test -O "$d" || e;`,
        `t=; test -t 0 && t=-t;`,
        `test -n "$SSH_ORIGINAL_COMMAND" && set -- sh -c "$SSH_ORIGINAL_COMMAND";`,
        `n=$0-$$; r() { /usr/bin/podman --root "$d" rm -f -t 0 "$n" >/dev/null 2>&1; };`,
        `h=; trap "h=1; r" HUP TERM; exec 3<&0;`,
        `/usr/bin/podman --root "$d" run --rm -i $t -h uai --name "$n" --replace --quiet --cgroup-manager=cgroupfs`,
        `--userns=keep-id --network=host --pull=always -e DISPLAY registry.local/cray/uai:latest "$@"`,
        `<&3 3<&- & p=$!; exec 3<&-; wait $p; s=$?;`,
        `while test -n "$h" && kill -0 $p 2>/dev/null; do r; sleep 1; done; exit $s' sshd_uai`,
      ].join(" "),
    );
    const settings = await sshdSettings(path);
    for (const line of [
      "port 9000",
      "pidfile /run/sshd_uai.pid",
      "usepam yes",
      "permitrootlogin no",
      "x11forwarding yes",
      "allowtcpforwarding yes",
      "permittty yes",
      "acceptenv DISPLAY",
      `hostkey ${hostKey}`,
    ]) {
      expect(settings, line).to.match(
        new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`, "mi"),
      );
    }
    expect(settings).to.include(`forcecommand ${forceCommand(text)}`);
  });

  it("gives users their own shell when the instance has no container", async () => {
    const { path, text } = await renderConfig(withSshd({ port: 9001, podman: false }));
    expect(text).not.to.include("Match");
    expect(text).not.to.include("ForceCommand");
    const settings = await sshdSettings(path);
    expect(settings).to.match(/^port 9001$/m);
    expect(settings).to.match(/^x11forwarding no$/m);
    expect(settings).to.match(/^forcecommand none$/m);
  });

  it("passes each container setting to podman, and DISPLAY only with x11", async () => {
    const { path, text } = await renderConfig(
      withSshd({
        match: "Group users",
        podman: {
          image: IMAGE,
          storage_root: "/var/tmp/containers/$USER",
          hostname: "login",
          userns: "auto",
          network: "slirp4netns",
          cgroup_manager: "systemd",
          pull: "missing",
          x11: false,
          extra_args: ["--volume=/home:/home", "--env=LANG=C.UTF-8"],
        },
      }),
    );
    expect(text).to.match(/^Match Group users$/m);
    expect(text).not.to.include("X11Forwarding yes");
    expect(text).not.to.include("AcceptEnv DISPLAY");
    const command = forceCommand(text);
    expect(command).to.include(`d="/var/tmp/containers/$USER"`);
    expect(command).to.include(
      `/usr/bin/podman --root "$d" run --rm -i $t -h login --name "$n" --replace --quiet --cgroup-manager=systemd --userns=auto --network=slirp4netns --pull=missing --volume=/home:/home --env=LANG=C.UTF-8 ${IMAGE} "$@" <&3`,
    );
    await run("/usr/sbin/sshd", ["-t", "-f", path]).then((result) =>
      expect(result.code, output(result)).to.equal(0),
    );
  });

  it("appends a config given whole as it is, never templated", async () => {
    const config = "# {{ lookup('pipe', 'id') }} stays text\nMatch User alice\n    PermitTTY no\n";
    const { path, text } = await renderConfig(withSshd({ config, podman: { image: IMAGE } }));
    expect(text.endsWith(`as given:\n${config}`), text).to.equal(true);
    expect(text).not.to.include("ForceCommand");
    const settings = await sshdSettings(path);
    expect(settings).to.match(/^permittty no$/m);
  });

  it("trusts the site's user CA when its file is there, and says PermitRootLogin and X11 as set", async () => {
    const ca = keyPair(scratch.dir(), "user_ca");
    const tree = renderOwnRoles(
      scratch,
      "split",
      withSshd({ podman: false, permit_root_login: "prohibit-password", x11_forwarding: true }),
    );
    const path = join(scratch.dir(), "sshd_config");
    await ansibleTemplate(tree, "uan_sshd", "sshd_config.j2", path, ["vars/uan_sshd.yml"], {
      ...ITEM,
      uan_sshd_host_keys: [hostKey],
      uan_sshd_trusted_user_ca_keys: `${ca}.pub`,
      uan_sshd_trusted_user_ca_keys_found: true,
    });
    const settings = await sshdSettings(path);
    expect(settings).to.match(new RegExp(`^trustedusercakeys ${ca}\\.pub$`, "m"));
    expect(settings).to.match(/^permitrootlogin without-password$/m);
    expect(settings).to.match(/^x11forwarding yes$/m);
    // Without the file, no TrustedUserCAKeys line: the default config has none.
    const { text } = await renderConfig({});
    expect(text).not.to.include("TrustedUserCAKeys");
  });

  it("writes a unit that checks the config before starting sshd in the foreground", async () => {
    const tree = renderOwnRoles(
      scratch,
      "split",
      withSshd({ port: 9002, config_path: "/etc/ssh/x" }),
    );
    const path = join(scratch.dir(), "sshd_uai.service");
    await ansibleTemplate(tree, "uan_sshd", "sshd.service.j2", path, ["vars/uan_sshd.yml"], ITEM);
    const unit = readFileSync(path, "utf8");
    // As SLES's sshd.service: SSHD_OPTS from /etc/sysconfig/ssh if there, missing host keys made.
    for (const line of [
      "EnvironmentFile=-/etc/sysconfig/ssh",
      "ExecStartPre=/usr/bin/ssh-keygen -A",
      "ExecStartPre=/usr/sbin/sshd -t $SSHD_OPTS -f /etc/ssh/x/sshd_uai_config",
      "ExecStart=/usr/sbin/sshd -D $SSHD_OPTS -f /etc/ssh/x/sshd_uai_config",
      "PIDFile=/run/sshd_uai.pid",
      "KillMode=process",
      "Restart=on-failure",
      "RestartPreventExitStatus=255",
      "WantedBy=multi-user.target",
    ]) {
      expect(unit.split("\n"), line).to.include(line);
    }
  });
});

describe("the ForceCommand in every login shell of this machine", function () {
  needs(this, "ansible");
  this.timeout(60_000);
  const scratch = new Scratch();
  after(() => scratch.cleanup());

  // A restricted shell (rbash) refuses a command with a "/" in its name: such users cannot use
  // a ForceCommand that names /bin/sh, so they are not login shells these instances serve.
  const shells = [
    ...new Set(
      readFileSync("/etc/shells", "utf8")
        .split("\n")
        .filter((line) => line.startsWith("/") && existsSync(line))
        .filter((line) => !/nologin|false|rbash/.test(line))
        .map((line) => realpathSync(line)),
    ),
  ].sort();
  let command = "";
  let storage = "";
  let bin = "";

  before(async () => {
    const dir = scratch.dir();
    storage = join(dir, "containers");
    mkdirSync(storage, { mode: 0o1777 });
    bin = scratch.dir();
    const podman = writePodmanStub(bin, IMAGE);
    const tree = renderOwnRoles(scratch, "split", {
      sshd: [
        {
          name: "uai",
          port: 9000,
          podman: { image: IMAGE, storage_root: `${storage}/$USER`, hostname: "uai" },
        },
      ],
    });
    const path = join(dir, "sshd_config");
    await ansibleTemplate(tree, "uan_sshd", "sshd_config.j2", path, ["vars/uan_sshd.yml"], {
      ...ITEM,
      uan_sshd_podman: podman,
    });
    command = forceCommand(readFileSync(path, "utf8"));
  });

  /** What sshd does: `<shell> -c <ForceCommand>`, with SSH_ORIGINAL_COMMAND when the user gave one. */
  function login(shell: string, user: string, original?: string): ReturnType<typeof run> {
    return run(shell, ["-c", command], {
      USER: user,
      ...(original === undefined ? {} : { SSH_ORIGINAL_COMMAND: original }),
    });
  }

  it("is tried in dash and bash at least", () => {
    expect(shells).to.include.members([realpathSync("/bin/sh"), realpathSync("/bin/bash")]);
  });

  // Quotes of both kinds, ;, &&, |, $VAR, $(...), backticks, a glob, a newline, !, a backslash:
  // any of them parsed on the host would show up as a marker file without the container name.
  const tricky = [
    `echo "a b; c"`,
    `echo 'single "double"' && echo "$IN_CONTAINER" | tr a-z A-Z`,
    'echo $(echo sub) `echo back` * !x \\\\ ; touch "$MARKS/ran-$IN_CONTAINER"',
    `touch "$MARKS/ran-$IN_CONTAINER"; echo "line 1\nline 2"\necho second line`,
  ];

  it("hands the user's command to the container as the one argument of sh -c, whatever the shell", async () => {
    for (const shell of shells) {
      for (const original of tricky) {
        const marks = scratch.dir();
        const result = await run(shell, ["-c", command], {
          USER: "root",
          SSH_ORIGINAL_COMMAND: original,
          MARKS: marks,
        });
        const what = `${shell} running ${JSON.stringify(original)}\n${output(result)}`;
        expect(result.code, what).to.equal(0);
        const runs = podmanRuns(result.stdout);
        expect(runs, what).to.have.length(1);
        expect(runs[0]?.slice(-4), what).to.deep.equal([IMAGE, "sh", "-c", original]);
        // The same command run straight by sh in the "container" prints the same.
        const direct = await run("/bin/sh", ["-c", original], {
          IN_CONTAINER: "uai",
          MARKS: scratch.dir(),
        });
        expect(result.stdout.replace(/^PODMAN .*\n/, ""), what).to.equal(direct.stdout);
        expect(
          readdirSync(marks).filter((name) => name !== "ran-uai"),
          what,
        ).to.deep.equal([]);
      }
    }
  });

  it("starts the image's own command when the user gave none, without -t when there is no TTY", async () => {
    for (const shell of shells) {
      const result = await login(shell, "root");
      expect(result.code, output(result)).to.equal(0);
      // The container's name is the instance's and the script's PID: unique on the node.
      const runs = podmanRuns(result.stdout);
      expect(runs[0]?.[8], shell).to.match(/^sshd_uai-[1-9][0-9]*$/);
      expect(runs, shell).to.deep.equal([
        [
          ...["--root", `${storage}/root`, "run", "--rm", "-i", "-h", "uai"],
          ...["--name", runs[0]?.[8], "--replace", "--quiet"],
          ...["--cgroup-manager=cgroupfs", "--userns=keep-id", "--network=host", "--pull=always"],
          ...["-e", "DISPLAY", IMAGE],
        ],
      ]);
      expect(result.stdout).to.include("INTERACTIVE");
    }
  });

  it("makes the user's storage root private, and refuses one someone else made or a symlink", async () => {
    const shell = realpathSync("/bin/sh");
    const fresh = await login(shell, "fresh", "true");
    expect(fresh.code, output(fresh)).to.equal(0);
    expect(statSync(join(storage, "fresh")).mode & 0o7777).to.equal(0o700);

    mkdirSync(join(storage, "squatted"));
    chownSync(join(storage, "squatted"), 65534, 65534);
    symlinkSync(scratch.dir(), join(storage, "linked"));
    for (const user of ["squatted", "linked"]) {
      const result = await login(shell, user, "echo should not run");
      expect(result.code, user).to.equal(1);
      expect(result.stderr).to.include(`sshd_uai: ${storage}/${user} is not yours: ask an admin`);
      expect(podmanRuns(result.stdout), user).to.deep.equal([]);
    }
  });
});

describe("uan_sshd role run by ansible-playbook against a stand-in systemctl", function () {
  needs(this, "ansible-playbook", "ssh-keygen");
  this.timeout(180_000);
  const scratch = new Scratch();
  before(() => ensurePrivsepDir());
  after(() => scratch.cleanup());

  interface Node {
    readonly configs: string;
    readonly units: string;
    readonly state: string;
    readonly bin: string;
    readonly hostKey: string;
  }

  function node(): Node {
    const bin = scratch.dir();
    writeFileSync(join(bin, "systemctl"), SYSTEMCTL_STUB, { mode: 0o755 });
    return {
      configs: join(scratch.dir(), "uan"),
      units: scratch.dir(),
      state: scratch.dir(),
      bin,
      hostKey: keyPair(scratch.dir(), "host_key"),
    };
  }

  function instances(at: Node, b: Partial<SshdInstance> = {}): UanK3SConfig {
    return {
      sshd: [
        { name: "a", port: 9000, config_path: at.configs, podman: { image: IMAGE } },
        { name: "b", port: 9001, config_path: at.configs, ...b },
      ],
    };
  }

  function play(
    at: Node,
    config: UanK3SConfig,
    options: { check?: boolean; vars?: object } = {},
  ): ReturnType<typeof runRole> {
    const tree = renderOwnRoles(scratch, "split", config);
    return runRole(tree, "uan_sshd", {
      varsFiles: ["vars/uan_sshd.yml"],
      vars: {
        uan_sshd_unit_dir: at.units,
        uan_sshd_pid_dir: at.state,
        uan_sshd_host_keys: [at.hostKey],
        ...options.vars,
      },
      path: at.bin,
      env: { SYSTEMCTL_STUB_STATE: at.state, SYSTEMCTL_STUB_UNITS: at.units },
      ...(options.check === undefined ? {} : { check: options.check }),
    });
  }

  /** The systemctl calls since the last look, without the read-only ones. */
  function changes(at: Node): string[] {
    const log = join(at.state, "calls.log");
    if (!existsSync(log)) return [];
    const calls = readFileSync(log, "utf8").split("\n").filter(Boolean);
    writeFileSync(log, "");
    return calls.filter((call) => !/^(show|is-enabled) /.test(call));
  }

  it("check mode on a new node writes nothing and asks systemd for nothing", async () => {
    const at = node();
    const result = await play(at, instances(at), { check: true });
    expect(result.recap.failed, output(result)).to.equal(0);
    expect(existsSync(at.configs)).to.equal(false);
    expect(readdirSync(at.units)).to.deep.equal([]);
    expect(existsSync(join(at.state, "calls.log"))).to.equal(false);
  });

  it("installs, enables and starts each instance; a second run changes nothing; a change restarts only its instance", async () => {
    const at = node();
    const first = await play(at, instances(at));
    expect(first.recap.failed, output(first)).to.equal(0);
    for (const name of ["a", "b"]) {
      expect(statSync(join(at.configs, `sshd_${name}_config`)).mode & 0o777).to.equal(0o600);
      expect(statSync(join(at.units, `sshd_${name}.service`)).mode & 0o777).to.equal(0o644);
    }
    expect(readFileSync(join(at.configs, "sshd_a_config"), "utf8")).to.include("ForceCommand");
    expect(changes(at)).to.deep.equal([
      ...["daemon-reload", "enable sshd_a.service", "start sshd_a.service"],
      ...["daemon-reload", "enable sshd_b.service", "start sshd_b.service"],
      ...["restart sshd_a.service", "restart sshd_b.service"],
    ]);

    const second = await play(at, instances(at));
    expect(second.recap, output(second)).to.include({ failed: 0, changed: 0 });
    expect(changes(at)).to.deep.equal([]);

    const third = await play(at, instances(at, { config: "Match User alice\n    PermitTTY no\n" }));
    expect(third.recap.failed, output(third)).to.equal(0);
    expect(third.recap.changed, output(third)).to.equal(2); // b's config, and its restart
    expect(changes(at)).to.deep.equal(["restart sshd_b.service"]);
  });

  it("keeps the old config when sshd refuses the new one, and restarts nothing", async () => {
    const at = node();
    const good = await play(at, instances(at));
    expect(good.recap.failed, output(good)).to.equal(0);
    const before = readFileSync(join(at.configs, "sshd_b_config"), "utf8");
    changes(at);
    const bad = await play(at, instances(at, { config: "NoSuchKeyword yes\n" }));
    expect(bad.code, output(bad)).not.to.equal(0);
    expect(bad.stdout).to.include("failed to validate");
    expect(bad.stdout).to.include("NoSuchKeyword");
    expect(readFileSync(join(at.configs, "sshd_b_config"), "utf8")).to.equal(before);
    expect(changes(at)).to.deep.equal([]);
  });

  it("refuses a hand-edited vars file with a shared port, the system sshd's port, or a container setting that is not a plain word", async () => {
    const cases = [
      { ports: [9000, 9000], message: "two instances share a name or a port, or one takes a port" },
      { ports: [22, 9001], message: "two instances share a name or a port, or one takes a port" },
      { ports: [9000, 9001], image: "uai:1'; touch /tmp/pwned; '", message: "container setting" },
    ].map(({ ports, image, message }) => {
      const at = node();
      const configs = ports.map((port, index) => ({
        name: `i${index}`,
        port,
        config_path: at.configs,
        match: "User *",
        ...(image === undefined ? {} : { podman: { ...PODMAN_DEFAULTS, image } }),
      }));
      return { at, message, run: play(at, {}, { vars: { uan_sshd_configs: configs } }) };
    });
    for (const { at, message, run: running } of cases) {
      const result = await running;
      expect(result.code, output(result)).not.to.equal(0);
      expect(result.stdout).to.include(message);
      expect(existsSync(at.configs)).to.equal(false);
    }
  });
});
