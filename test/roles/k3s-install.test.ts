import { expect } from "chai";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import YAML from "yaml";
import { ansible, output, scratch, writeLocalInventory, type Result } from "./ansible";
import { renderTree } from "./render";
import { needs } from "../tools";

/**
 * uan_k3s_install in check mode on localhost: every host of a small inventory is this
 * machine (the local connection), each with its own loopback address as ansible_host. Check
 * mode needs no K3s and no systemd: the role reads, decides and shows the unit file it would
 * write (--diff), and writes nothing. The paths are moved into a scratch directory.
 */
interface Run {
  readonly result: Result;
  readonly dir: string;
  /** Host → the ExecStart line of the unit file it would write. */
  readonly execStart: Map<string, string>;
}

const SECRET = "K10c0ffee::server:uan-k3s-test-secret";

async function checkRun(
  tree: string,
  servers: readonly string[],
  agents: readonly string[],
  options: { port?: number; serverToken?: boolean; verbose?: boolean } = {},
): Promise<Run> {
  const dir = scratch("k3s-install");
  for (const sub of ["stage", "bin", "systemd"]) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, "stage", "k3s"), "staged binary\n");
  writeFileSync(join(dir, "stage", "k3s-install.sh"), "staged installer\n");
  if (options.serverToken === true) {
    mkdirSync(join(dir, "data", "server"), { recursive: true });
    writeFileSync(join(dir, "data", "server", "token"), `${SECRET}\n`, { mode: 0o600 });
  }
  // Each host is this machine, but has its own loopback address to be probed and joined at.
  const hosts = Object.fromEntries(
    [...servers, ...agents].map((name, index) => [name, { ansible_host: `127.0.0.${index + 1}` }]),
  );
  const inventory = writeLocalInventory(dir, hosts, { k3s_server: servers, k3s_agent: agents });
  const play = join(tree, "install_only.yml");
  writeFileSync(
    play,
    YAML.stringify([
      {
        name: "Install only",
        hosts: "k3s_server:k3s_agent",
        gather_facts: false,
        vars_files: ["vars/uan_k3s.yml"],
        roles: ["uan_k3s_install"],
      },
    ]),
  );
  const vars = {
    k3s_install_path: join(dir, "stage"),
    k3s_bin_dir: join(dir, "bin"),
    k3s_data_dir: join(dir, "data"),
    k3s_etc_dir: join(dir, "etc"),
    k3s_systemd_dir: join(dir, "systemd"),
    k3s_config: join(dir, "kube", "k3s.yml"),
    k3s_probe_timeout: 1,
    ...(options.port === undefined ? {} : { k3s_api_port: options.port }),
  };
  const result = await ansible(tree, "ansible-playbook", [
    "-i",
    inventory,
    play,
    "--check",
    "--diff",
    "-e",
    JSON.stringify(vars),
    ...(options.verbose === true ? ["-vvv"] : []),
  ]);
  expect(result.code, output(result)).to.equal(0);
  const execStart = new Map<string, string>();
  for (const match of result.stdout.matchAll(/^\+ExecStart=(.*)\n\n?changed: \[(\w+)\]$/gm))
    execStart.set(match[2] ?? "", (match[1] ?? "").replaceAll(dir, "<dir>"));
  return { result, dir, execStart };
}

describe("uan_k3s_install in check mode", function () {
  needs(this, "ansible-playbook");
  this.timeout(180_000);
  let tree: string;
  before(() => {
    tree = renderTree("split");
  });

  it("starts the server with the options and joins the agents without server-only flags, flannel on nmn0 on both", async () => {
    const run = await checkRun(tree, ["uan01"], ["uan02", "uan03"]);
    expect(run.execStart, output(run.result)).to.deep.equal(
      new Map([
        [
          "uan01",
          "<dir>/bin/k3s server --https-listen-port=6443 --flannel-iface=nmn0 --disable=servicelb --disable=traefik --snapshotter=fuse-overlayfs",
        ],
        [
          "uan02",
          "<dir>/bin/k3s agent --flannel-iface=nmn0 --snapshotter=fuse-overlayfs --server https://127.0.0.1:6443 --token-file <dir>/etc/cluster-token",
        ],
        [
          "uan03",
          "<dir>/bin/k3s agent --flannel-iface=nmn0 --snapshotter=fuse-overlayfs --server https://127.0.0.1:6443 --token-file <dir>/etc/cluster-token",
        ],
      ]),
    );
    // Check mode: the unit files, the binary and the installer's scripts are not written.
    expect(readdirSync(join(run.dir, "systemd"))).to.deep.equal([]);
    expect(readdirSync(join(run.dir, "bin"))).to.deep.equal([]);
  });

  it("starts an HA control plane from the first server; the others join it", async () => {
    const run = await checkRun(tree, ["uan01", "uan02", "uan03"], []);
    expect(run.execStart.get("uan01"), output(run.result)).to.match(/ --cluster-init$/);
    for (const server of ["uan02", "uan03"]) {
      expect(run.execStart.get(server), server).to.match(
        /^<dir>\/bin\/k3s server --https-listen-port=6443 .* --server https:\/\/127\.0\.0\.1:6443 --token-file <dir>\/etc\/cluster-token$/,
      );
      expect(run.execStart.get(server)).to.not.include("--cluster-init");
    }
  });

  describe("with another server already running", () => {
    let api: Server;
    let port: number;
    before(async () => {
      // uan02's API port answers; uan01 (the first server) has no cluster state.
      api = createServer((socket) => socket.end());
      await new Promise<void>((resolve) => api.listen(0, "127.0.0.2", resolve));
      port = (api.address() as AddressInfo).port;
    });
    after(() => {
      api.close();
    });

    it("a first server that lost its state joins that one instead of starting a second cluster", async () => {
      const run = await checkRun(tree, ["uan01", "uan02"], ["uan03"], { port });
      const join = `--server https://127.0.0.2:${port} --token-file <dir>/etc/cluster-token`;
      expect(run.execStart.get("uan01"), output(run.result)).to.match(
        new RegExp(`^<dir>/bin/k3s server .* ${join}$`),
      );
      expect(run.execStart.get("uan01")).to.not.include("--cluster-init");
      expect(run.execStart.get("uan03")).to.match(new RegExp(`^<dir>/bin/k3s agent .* ${join}$`));
    });
  });

  it("copies the cluster token to the agents without ever printing it", async () => {
    const run = await checkRun(tree, ["uan01"], ["uan02"], { serverToken: true, verbose: true });
    const text = run.result.stdout + run.result.stderr;
    const task = text.split("TASK [uan_k3s_install : Write the cluster token for this node]")[1];
    expect(task?.split("TASK [")[0], output(run.result)).to.include("changed: [uan02]");
    expect(text).to.include("the output has been hidden due to the fact that 'no_log: true'");
    expect(text).to.not.include("uan-k3s-test-secret");
  });
});
