import { expect } from "chai";
import { chmodSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { UanK3SConfig } from "../../schemas/generated/config";
import {
  accepts,
  ansibleTemplate,
  Daemons,
  ensurePrivsepDir,
  freePort,
  keyPair,
  podmanRuns,
  renderOwnRoles,
  Scratch,
  waitFor,
  writePodmanStub,
  type Daemon,
} from "./e2e-tools";
import {
  createUser,
  removeUser,
  sshLogin,
  loginReport,
  type Login,
  type TestUser,
} from "./ssh-users";
import { needs } from "../tools";

/**
 * The seed's last validation step, "use SSH to log in through the HAProxy load balancer",
 * without K3s: HAProxy and two sshd instances from the roles' own templates, on 127.0.0.1,
 * with a stand-in for podman. Real ssh, real sshd (with PAM), real login shells.
 */

const IMAGE = "registry.local/test/uai:1.0";
// Debian's banner is "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3": the pattern holds a space, so
// the check only passes if tcp-check got it as one argument.
const BANNER = "^SSH-2\\.0-OpenSSH_[0-9][^ ]*( .*)?$";
const UNRESOLVABLE = `${"x".repeat(64)}.invalid`;

describe("end to end: ssh through HAProxy to an sshd instance and into the container", function () {
  needs(this, "ansible", "haproxy", "sshd", "ssh", "ssh-keygen", "useradd");
  this.timeout(180_000);
  const scratch = new Scratch();
  const daemons = new Daemons();
  const users: TestUser[] = [];
  let key = "";
  let haproxyPort = 0;
  let haproxy: Daemon | undefined;
  let storage = "";
  let marks = "";
  const sshd = new Map<string, { port: number; daemon: Daemon }>();

  before(async () => {
    ensurePrivsepDir();
    // Users must reach the storage root, the marks dir and the podman stand-in.
    const shared = scratch.dir();
    chmodSync(shared, 0o755);
    storage = join(shared, "containers");
    marks = join(shared, "marks");
    for (const dir of [storage, marks]) {
      mkdirSync(dir);
      chmodSync(dir, 0o1777);
    }
    const podman = writePodmanStub(shared, IMAGE);
    key = keyPair(scratch.dir());
    const hostKey = keyPair(scratch.dir(), "host_key");

    const suffix = String(process.pid % 1_000_000);
    users.push(createUser(`uk3s${suffix}s`, "/bin/sh", key));
    users.push(createUser(`uk3s${suffix}b`, "/bin/bash", key));

    const ports = [await freePort(), await freePort()];
    const [portA, portB] = ports;
    haproxyPort = await freePort();
    const configs = scratch.dir();
    const config: UanK3SConfig = {
      sshd: (["a", "b"] as const).map((name, index) => ({
        name: `e2e${name}`,
        port: ports[index],
        config_path: configs,
        podman: { image: IMAGE, storage_root: `${storage}/$USER`, hostname: `uai-${name}` },
      })),
      haproxy: [
        {
          name: "haproxy-e2e",
          port: haproxyPort,
          balance: "roundrobin",
          // A stopped sshd is marked DOWN only after 6 to 9 s, long enough for the logins
          // right after the stop to meet it, and three misses never come from a slow banner.
          check: { expect: BANNER, inter: "3s", fall: 3, rise: 1 },
          backends: [
            { name: "a", address: "127.0.0.1", port: portA },
            { name: "b", address: "127.0.0.1", port: portB },
            // Not resolvable (and never sent to a resolver): HAProxy must start anyway.
            { name: "later", address: UNRESOLVABLE, port: portA },
          ],
        },
      ],
    };
    const tree = renderOwnRoles(scratch, "split", config);
    for (const [index, name] of ["a", "b"].entries()) {
      const path = join(configs, `sshd_e2e${name}_config`);
      await ansibleTemplate(tree, "uan_sshd", "sshd_config.j2", path, ["vars/uan_sshd.yml"], {
        uan_sshd_instance: `{{ uan_sshd_configs[${index}] }}`,
        uan_sshd_host_keys: [hostKey],
        uan_sshd_pid_dir: configs,
        uan_sshd_podman: podman,
      });
      const port = ports[index];
      sshd.set(name, { port, daemon: daemons.start("/usr/sbin/sshd", ["-D", "-e", "-f", path]) });
      await waitFor(`sshd ${name} on port ${port}`, 10_000, () => accepts(port));
    }
    const cfg = join(configs, "haproxy.cfg");
    await ansibleTemplate(tree, "uan_haproxy", "haproxy.cfg.j2", cfg, ["vars/uan_helm.yml"], {
      uan_haproxy_instance: "{{ uan_haproxy[0] }}",
    });
    haproxy = daemons.start("haproxy", ["-f", cfg, "-db"]);
    await waitFor(`HAProxy on port ${haproxyPort}`, 10_000, () => accepts(haproxyPort));
  });

  after(async () => {
    await daemons.stopAll();
    users.forEach(removeUser);
    scratch.cleanup();
  });

  /** ssh through HAProxy as `user`, given up after 30 s. */
  function login(user: string, options: readonly string[], command?: string): Promise<Login> {
    return sshLogin({ key, port: haproxyPort }, user, options, command);
  }

  const describeLogin = (result: Login): string => loginReport(result, haproxy, sshd);

  /** The single podman run of a login, which must have succeeded. */
  function podmanRun(result: Login): string[] {
    expect(result.code, describeLogin(result)).to.equal(0);
    const runs = podmanRuns(result.stdout);
    expect(runs, describeLogin(result)).to.have.length(1);
    return runs[0] ?? [];
  }

  const hostname = (run: readonly string[]): string => run[run.indexOf("-h") + 1] ?? "";

  it("runs the user's command in the container, as one sh -c argument, for sh and bash users", async () => {
    for (const user of users) {
      const command = `echo "a b; c"`;
      const result = await login(user.name, [], command);
      const run = podmanRun(result);
      expect(run.slice(-4), user.shell).to.deep.equal([IMAGE, "sh", "-c", command]);
      expect(run.slice(0, 6), user.shell).to.deep.equal([
        ...["--root", `${storage}/${user.name}`, "run", "--rm", "-i", "-h"],
      ]);
      expect(["uai-a", "uai-b"]).to.include(hostname(run));
      expect(result.stdout.split("\n").slice(1), user.shell).to.deep.equal(["a b; c", ""]);
    }
  });

  it("never lets the host's shells parse the command: ; $() backticks quotes and newlines reach the container", async () => {
    for (const user of users) {
      const command = [
        `touch ${marks}/ran-$IN_CONTAINER-${user.name}; echo "it's; $(echo sub) \`echo back\`"`,
        `echo 'second "line"' | tr a-z A-Z`,
      ].join("\n");
      const result = await login(user.name, [], command);
      const run = podmanRun(result);
      expect(run.at(-1), user.shell).to.equal(command);
      const inside = hostname(run);
      expect(result.stdout.split("\n").slice(1), user.shell).to.deep.equal([
        "it's; sub back",
        'SECOND "LINE"',
        "",
      ]);
      expect(readdirSync(marks).filter((name) => name.endsWith(user.name))).to.deep.equal([
        `ran-${inside}-${user.name}`,
      ]);
    }
  });

  it("adds -t only when ssh asks for a TTY, and starts the image's own command on a plain login", async () => {
    const [user] = users;
    if (user === undefined) throw new Error("no test user");
    const withTty = podmanRun(await login(user.name, ["-tt"], "echo in a tty"));
    expect(withTty.slice(2, 6)).to.deep.equal(["run", "--rm", "-i", "-t"]);
    const interactive = await login(user.name, ["-tt"]);
    const run = podmanRun(interactive);
    expect(run.at(-1)).to.equal(IMAGE);
    expect(run).to.include("-t");
    expect(interactive.stdout).to.include("INTERACTIVE");
    const noTty = podmanRun(await login(user.name, ["-T"], "true"));
    expect(noTty).not.to.include("-t");
  });

  it("balances over both sshd; when one stops, no login fails, before or after the health check marks it DOWN", async () => {
    const [user] = users;
    if (user === undefined) throw new Error("no test user");
    const seen = new Set<string>();
    for (let i = 0; i < 4; i += 1)
      seen.add(hostname(podmanRun(await login(user.name, [], "true"))));
    expect([...seen].sort()).to.deep.equal(["uai-a", "uai-b"]);
    expect(haproxy?.output()).to.match(
      /'server ssh\/later' : could not resolve address .*disabling server/,
    );

    await sshd.get("a")?.daemon.stop();
    // Round robin sends one of these two to the stopped sshd while HAProxy still thinks it up:
    // it must be retried on the other (redispatch), not fail.
    for (let i = 0; i < 2; i += 1) {
      const run = podmanRun(await login(user.name, [], "true"));
      expect(hostname(run)).to.equal("uai-b");
    }
    expect(haproxy?.output()).to.not.match(/Server ssh\/a is DOWN/);
    // tcplog's last counter is the retries, "+" when the connection went to another server.
    expect(haproxy?.output(), "a login was redispatched").to.match(
      /ssh ssh\/b \S+ \d+ \S+ \d+\/\d+\/\d+\/\d+\/\+1 /,
    );

    await waitFor("HAProxy to mark ssh/a DOWN", 20_000, () =>
      /Server ssh\/a is DOWN/.test(haproxy?.output() ?? ""),
    );
    for (let i = 0; i < 3; i += 1) {
      const run = podmanRun(await login(user.name, [], "true"));
      expect(hostname(run)).to.equal("uai-b");
    }
  });
});
