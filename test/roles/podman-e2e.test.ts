import { expect } from "chai";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { UanK3SConfig } from "../../schemas/generated/config";
import { run, type Result } from "../run";
import { output } from "./ansible";
import {
  accepts,
  ansibleTemplate,
  Daemons,
  ensurePrivsepDir,
  freePort,
  keyPair,
  renderOwnRoles,
  runRole,
  Scratch,
  SYSTEMCTL_STUB,
  waitFor,
  type Daemon,
  type PlaybookResult,
} from "./e2e-tools";
import {
  createUser,
  removeUser,
  sshLogin,
  sshSession,
  writeUserFile,
  loginReport,
  type Login,
  type SshTarget,
  type TestUser,
} from "./ssh-users";
import { needs } from "../tools";

/**
 * The seed's SSH ingress with everything real but K3s: the uan_podman and uan_sshd roles
 * applied by ansible-playbook (systemctl a stand-in: systemd is not PID 1 here), the sshd
 * instances started as their units would start them, HAProxy from the generated config in
 * front, and users landing in real rootless Podman containers whose image is pulled from a
 * local registry.
 */

/**
 * What podman needs in a Debian 12 CI container: runc (crun 1.8 fails on hybrid cgroups),
 * cgroupfs and no journald, and limits no higher than the container's hard ones.
 */
const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;
/** Rootless overlay, so a login does not copy the image (vfs would). */
const STORAGE_CONF = `[storage]\ndriver = "overlay"\n`;

describe("end to end with real rootless Podman: ssh through HAProxy into each user's own container", function () {
  needs(
    this,
    "ansible",
    "ansible-playbook",
    "haproxy",
    "sshd",
    "ssh",
    "ssh-keygen",
    "useradd",
    "podman",
    "runc",
    "newuidmap",
    "busybox",
    "docker-registry",
  );
  // Generous: on a busy machine the two ansible-playbook runs alone take minutes.
  this.timeout(300_000);
  const scratch = new Scratch();
  const daemons = new Daemons();
  const users: TestUser[] = [];
  let key = "";
  let image = "";
  let storage = "";
  let haproxy: Daemon | undefined;
  let haproxyTarget: SshTarget = { key: "", port: 0 };
  const sshd = new Map<string, { port: number; daemon: Daemon }>();
  /** Where the root filesystem of each test image is built and stored, and the registry. */
  let build = { dir: "", conf: "" };
  const roles: Record<"podman" | "sshd", PlaybookResult | undefined> = {
    podman: undefined,
    sshd: undefined,
  };
  let node = { configs: "", units: "", state: "" };

  before(async () => {
    ensurePrivsepDir();
    // Users must reach the storage dir: its parent is searchable by all.
    const shared = scratch.dir();
    chmodSync(shared, 0o755);
    storage = join(shared, "containers");
    node = { configs: join(shared, "ssh"), units: scratch.dir(), state: scratch.dir() };
    key = keyPair(scratch.dir());
    const hostKey = keyPair(scratch.dir(), "host_key");

    const registryPort = await freePort();
    image = `127.0.0.1:${registryPort}/test/uai:1.0`;
    build = { dir: scratch.dir(), conf: "" };
    build.conf = join(build.dir, "containers.conf");
    writeFileSync(build.conf, CONTAINERS_CONF);
    const registry = join(build.dir, "registry.yml");
    writeFileSync(
      registry,
      [
        "version: 0.1",
        "log:\n  level: warn",
        `storage:\n  filesystem:\n    rootdirectory: ${join(build.dir, "blobs")}`,
        `http:\n  addr: 127.0.0.1:${registryPort}`,
        "",
      ].join("\n"),
    );
    daemons.start("docker-registry", ["serve", registry]);

    const suffix = String(process.pid % 1_000_000);
    for (const [tag, shell] of [
      ["p", "/bin/sh"],
      ["q", "/bin/bash"],
    ] as const) {
      const user = createUser(`uk3s${suffix}${tag}`, shell, key);
      users.push(user);
      writeUserFile(user, ".config/containers/containers.conf", CONTAINERS_CONF);
      writeUserFile(user, ".config/containers/storage.conf", STORAGE_CONF);
      writeUserFile(
        user,
        ".config/containers/registries.conf",
        `[[registry]]\nlocation = "127.0.0.1:${registryPort}"\ninsecure = true\n`,
      );
    }

    const ports = { a: await freePort(), b: await freePort(), c: await freePort() };
    const haproxyPort = await freePort();
    haproxyTarget = { key, port: haproxyPort };
    const container = { image, storage_root: `${storage}/$USER`, x11: false };
    const config: UanK3SConfig = {
      podman: { storage_dir: storage },
      sshd: [
        ...(["a", "b"] as const).map((name) => ({
          name,
          port: ports[name],
          config_path: node.configs,
          podman: { ...container, hostname: `uai-${name}` },
        })),
        // Not behind HAProxy: the contrast for the pull policy.
        {
          name: "c",
          port: ports.c,
          config_path: node.configs,
          podman: { ...container, hostname: "uai-c", pull: "missing" },
        },
      ],
      haproxy: [
        {
          name: "haproxy-e2e",
          port: haproxyPort,
          backends: [
            { name: "a", address: "127.0.0.1", port: ports.a },
            { name: "b", address: "127.0.0.1", port: ports.b },
          ],
        },
      ],
    };
    const tree = renderOwnRoles(scratch, "split", config);
    const bin = scratch.dir();
    writeFileSync(join(bin, "systemctl"), SYSTEMCTL_STUB, { mode: 0o755 });
    const stub = {
      path: bin,
      env: { SYSTEMCTL_STUB_STATE: node.state, SYSTEMCTL_STUB_UNITS: node.units },
    };
    // The two roles, the image and the registry are independent: all at once.
    [roles.podman, roles.sshd] = await Promise.all([
      runRole(tree, "uan_podman", {
        varsFiles: ["vars/uan_podman.yml"],
        vars: { uan_podman_mounts_conf: join(shared, "mounts.conf") },
        ...stub,
      }),
      runRole(tree, "uan_sshd", {
        varsFiles: ["vars/uan_sshd.yml"],
        vars: {
          uan_sshd_unit_dir: node.units,
          uan_sshd_pid_dir: node.state,
          uan_sshd_host_keys: [hostKey],
        },
        ...stub,
      }),
      waitFor(`the registry on port ${registryPort}`, 20_000, () => accepts(registryPort)).then(
        () => pushImage("1"),
      ),
    ]);
    for (const role of [roles.podman, roles.sshd])
      expect(role?.recap.failed, role && output(role)).to.equal(0);

    // Each sshd as its unit starts it, logging to stderr.
    for (const name of ["a", "b", "c"] as const) {
      const unit = readFileSync(join(node.units, `sshd_${name}.service`), "utf8");
      // $SSHD_OPTS comes from /etc/sysconfig/ssh (SLES), which this machine lacks: systemd
      // then expands the unquoted variable to no word at all, and so does this.
      const start = (/^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(" ") ?? []).filter(
        (word) => word !== "$SSHD_OPTS",
      );
      const [program, ...args] = start;
      if (program === undefined) throw new Error(`no ExecStart in sshd_${name}.service`);
      sshd.set(name, { port: ports[name], daemon: daemons.start(program, [...args, "-e"]) });
    }
    const cfg = join(shared, "haproxy.cfg");
    await ansibleTemplate(tree, "uan_haproxy", "haproxy.cfg.j2", cfg, ["vars/uan_helm.yml"], {
      uan_haproxy_instance: "{{ uan_haproxy[0] }}",
    });
    haproxy = daemons.start("haproxy", ["-f", cfg, "-db"]);
    for (const [what, port] of [...Object.entries(ports), ["haproxy", haproxyPort] as const])
      await waitFor(`${what} on port ${port}`, 10_000, () => accepts(port));
  });

  after(async () => {
    await daemons.stopAll();
    for (const user of users) {
      // Whatever a failed test left running as the user, then the pause process that holds
      // their user namespace, before the user goes.
      await asUser(user, ["rm", "--all", "--force", "--time", "0"]);
      const runtime = `/tmp/podman-run-${user.uid}`;
      const pause = join(runtime, "libpod", "tmp", "pause.pid");
      if (existsSync(pause)) {
        try {
          process.kill(Number(readFileSync(pause, "utf8")), "SIGKILL");
        } catch {
          // already gone
        }
      }
      // With no XDG_RUNTIME_DIR (no systemd login session here), podman keeps its run-time
      // state in these two.
      for (const dir of [runtime, `/tmp/containers-user-${user.uid}`])
        rmSync(dir, { recursive: true, force: true });
      removeUser(user);
    }
    scratch.cleanup();
  });

  /** Builds a busybox image whose os-release says VERSION_ID=`version`, and pushes it. */
  async function pushImage(version: string): Promise<void> {
    const rootfs = join(build.dir, `rootfs-${version}`);
    for (const dir of ["bin", "etc", "tmp"]) mkdirSync(join(rootfs, dir), { recursive: true });
    chmodSync(join(rootfs, "tmp"), 0o1777);
    const busybox = join(rootfs, "bin", "busybox");
    writeFileSync(busybox, readFileSync("/bin/busybox"), { mode: 0o755 });
    const applets = await run(busybox, ["--list"]);
    const links = applets.stdout.split("\n").filter((name) => name !== "" && name !== "busybox");
    await run("/bin/sh", [
      "-c",
      'cd "$1/bin" && shift && for a; do ln -s busybox "$a"; done',
      "sh",
      rootfs,
      ...links,
    ]);
    writeFileSync(join(rootfs, "etc", "os-release"), `ID=uai\nVERSION_ID=${version}\n`);
    const tar = join(build.dir, `rootfs-${version}.tar`);
    const podman = (args: string[]): Promise<Result> =>
      run(
        "podman",
        [...["--root", join(build.dir, "root"), "--runroot", join(build.dir, "runroot")], ...args],
        { env: { CONTAINERS_CONF: build.conf } },
      );
    for (const step of [
      () => run("tar", ["-C", rootfs, "-cf", tar, "."]),
      () => podman(["import", "--change", 'CMD ["/bin/sh"]', tar, image]),
      () => podman(["push", "--tls-verify=false", image]),
    ]) {
      const result = await step();
      expect(result.code, output(result)).to.equal(0);
    }
  }

  /** Podman on this host as `user`, on their storage (or `root`), as their logins run it. */
  function asUser(user: TestUser, args: readonly string[], root = `${storage}/${user.name}`) {
    return run("runuser", ["-u", user.name, "--", "podman", "--root", root, ...args], {
      cwd: "/",
    });
  }

  /** The names of the user's containers, running or not. */
  async function containers(user: TestUser): Promise<string[]> {
    const result = await asUser(user, ["ps", "--all", "--format", "{{.Names}}"]);
    expect(result.code, output(result)).to.equal(0);
    return result.stdout.split("\n").filter(Boolean);
  }

  function login(user: TestUser, options: readonly string[], command?: string, input = "") {
    return sshLogin(haproxyTarget, user.name, options, command, input);
  }

  const describeLogin = (result: Login): string => loginReport(result, haproxy, sshd);

  function succeeded(result: Login): string {
    expect(result.code, describeLogin(result)).to.equal(0);
    return result.stdout;
  }

  function pair(): [TestUser, TestUser] {
    const [a, b] = users;
    if (a === undefined || b === undefined) throw new Error("no test users");
    return [a, b];
  }

  it("applies uan_podman and uan_sshd with ansible-playbook: the storage dir, each instance's config and unit, enabled and started", () => {
    expect(statSync(storage).mode & 0o7777).to.equal(0o1777);
    for (const name of ["a", "b", "c"]) {
      expect(statSync(join(node.configs, `sshd_${name}_config`)).mode & 0o777).to.equal(0o600);
      expect(existsSync(join(node.units, `sshd_${name}.service`))).to.equal(true);
    }
    const calls = readFileSync(join(node.state, "calls.log"), "utf8");
    for (const name of ["a", "b", "c"]) {
      expect(calls).to.include(`enable sshd_${name}.service`);
      expect(calls).to.include(`start sshd_${name}.service`);
    }
  });

  it("logs two users in through HAProxy at once, each into a rootless container of the registry's image, as themselves", async () => {
    const script = "id -u; id -un; hostname; . /etc/os-release; echo $ID-$VERSION_ID";
    const results = await Promise.all(
      users.map(async (user) => ({ user, result: await login(user, [], script) })),
    );
    for (const { user, result } of results) {
      const [uid, name, host, release] = succeeded(result).split("\n");
      expect([uid, name], user.shell).to.deep.equal([String(user.uid), user.name]);
      expect(["uai-a", "uai-b"], user.shell).to.include(host);
      expect(release, user.shell).to.match(/^uai-[0-9]+$/);
      // The user's own storage, private, holding the image pulled from the registry.
      const own = join(storage, user.name);
      expect(statSync(own).uid).to.equal(user.uid);
      expect(statSync(own).mode & 0o777).to.equal(0o700);
      const images = await asUser(user, ["images", "--format", "{{.Repository}}:{{.Tag}}"]);
      expect(images.stdout.split("\n"), output(images)).to.include(image);
      // --rm: nothing is left once the login is over.
      expect(await containers(user)).to.deep.equal([]);
    }
  });

  it("keeps users apart: one sees only their own processes, and cannot reach another's container or storage", async () => {
    const [alice, bob] = pair();
    // Bob's session stays open, reading its stdin, until the test ends it.
    const held = sshSession(
      haproxyTarget,
      bob.name,
      ["-T"],
      "echo ready; read line; echo got $line",
    );
    await waitFor("bob's container", 30_000, () => held.stdout().includes("ready"));
    const bobs = await containers(bob);
    expect(bobs, held.stdout()).to.have.length(1);
    expect(bobs[0]).to.match(/^sshd_[ab]-[0-9]+$/);

    const seen = succeeded(await login(alice, [], "ps -o user,args; ls /tmp"));
    expect(seen).not.to.include("read line");
    expect(seen).not.to.include(bob.name);
    expect(await containers(alice)).to.deep.equal([]);
    // Not even podman on the host, as alice, gets into bob's storage.
    const peek = await asUser(alice, ["ps", "--all"], join(storage, bob.name));
    expect(peek.code, output(peek)).not.to.equal(0);
    expect(peek.stderr).to.match(/permission denied/i);

    held.write("bye\n");
    held.child.stdin?.end();
    const done = await held.done;
    expect(succeeded(done)).to.equal("ready\ngot bye\n");
    expect(await containers(bob)).to.deep.equal([]);
  });

  it("passes stdin, the TTY and the exit code through, with and without a TTY", async () => {
    const [alice, bob] = pair();
    const [piped, exited, tty, interactive] = await Promise.all([
      login(alice, ["-T"], "tr a-z A-Z; exit 3", "from stdin\n"),
      login(bob, ["-T"], "test -t 0 || echo no tty; exit 7"),
      login(alice, ["-tt"], "test -t 0 && tty; exit 5"),
      // The image's own command, an interactive shell, reading what is typed on the TTY.
      login(bob, ["-tt"], undefined, "echo $((6 * 7))\nexit 4\n"),
    ]);
    expect(piped.code, describeLogin(piped)).to.equal(3);
    expect(piped.stdout).to.equal("FROM STDIN\n");
    expect(exited.code, describeLogin(exited)).to.equal(7);
    expect(exited.stdout).to.equal("no tty\n");
    expect(tty.code, describeLogin(tty)).to.equal(5);
    expect(tty.stdout).to.match(/^\/dev\/pts\/[0-9]+\r\n$/);
    expect(interactive.code, describeLogin(interactive)).to.equal(4);
    expect(interactive.stdout).to.match(/\r\n42\r\n/);
    for (const user of users) expect(await containers(user)).to.deep.equal([]);
  });

  it("removes the container of an interactive session that drops", async () => {
    const [alice] = pair();
    const session = sshSession(haproxyTarget, alice.name, ["-tt"]);
    session.write("echo up-$((1 + 1)); sleep 600\n");
    await waitFor("alice's shell", 30_000, () => session.stdout().includes("up-2"));
    const running = await containers(alice);
    expect(running, session.stdout()).to.have.length(1);

    // The connection drops: the ssh client dies without a word to the server.
    session.child.kill("SIGKILL");
    await session.done;
    await waitFor("the dropped session's container to be removed", 20_000, async () => {
      return (await containers(alice)).length === 0;
    });
    const left = await run("ps", ["-u", String(alice.uid), "-o", "args="]);
    expect(left.stdout).not.to.include("sleep 600");
  });

  it("brings an image pushed again under the same tag to the next login (pull: always); pull: missing keeps the stale one", async () => {
    const [alice, bob] = pair();
    const release = ". /etc/os-release; echo $VERSION_ID";
    const old = succeeded(await login(alice, [], release)).trim();
    const next = String(Number(old) + 1);
    await pushImage(next);

    const direct = { key, port: sshd.get("c")?.port ?? 0 };
    const stale = await sshLogin(direct, alice.name, [], release);
    expect(succeeded(stale), "sshd c, pull: missing").to.equal(`${old}\n`);
    const [fresh, other] = await Promise.all([login(alice, [], release), login(bob, [], release)]);
    expect(succeeded(fresh), "through HAProxy, pull: always").to.equal(`${next}\n`);
    expect(succeeded(other), "another user").to.equal(`${next}\n`);
  });

  it("when one sshd stops, logins go on at once through the other: none fails", async () => {
    await sshd.get("a")?.daemon.stop();
    // Before HAProxy's check (10 s x 2) marks it DOWN, some of these go to the stopped sshd
    // first: each must be retried on the other (redispatch), not fail.
    const results = await Promise.all(
      [...users, ...users].map((user) => login(user, [], "hostname")),
    );
    for (const result of results) expect(succeeded(result)).to.equal("uai-b\n");
    // tcplog's last counter is the retries, "+" when the connection went to another server:
    // HAProxy still had the stopped sshd UP and sent a login there first.
    expect(haproxy?.output(), "a login was redispatched").to.match(
      /ssh ssh\/b \S+ \d+ \S+ \d+\/\d+\/\d+\/\d+\/\+\d+ /,
    );
  });
});
