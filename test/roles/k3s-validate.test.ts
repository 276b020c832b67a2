import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import {
  ansible,
  output,
  scratch,
  writeExecutables,
  writeLocalInventory,
  type Result,
} from "./ansible";
import { renderTree } from "./render";
import { needs } from "../tools";

/**
 * k3s_validate.yml run for real on localhost, its kubectl and helm being stand-ins that print
 * what the real ones print for a cluster described in cluster.json, and its SSH check aimed
 * at a banner served on 127.0.0.1. This checks the playbook's reading of real output shapes;
 * it says nothing about a real cluster.
 */
const K3S_STUB = String.raw`#!/usr/bin/python3
import json, os, sys
cluster = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cluster.json")))
args = [a for a in sys.argv[2:] if not a.startswith("--kubeconfig=")]
opt = lambda name: next((a.split("=", 1)[1] for a in args if a.startswith("--" + name + "=")), None)
if args[:2] == ["get", "node"]:
    node = cluster["nodes"].get(args[2])
    if node is None:
        sys.exit(print('Error from server (NotFound): nodes "%s" not found' % args[2], file=sys.stderr) or 1)
    print(json.dumps(node))
elif args[:2] == ["get", "pods"]:
    print(json.dumps({"apiVersion": "v1", "kind": "List", "items": cluster["pods"].get(opt("namespace"), [])}))
elif args[:2] == ["get", "services"]:
    release = opt("selector").split("=", 1)[1]
    print(json.dumps({"apiVersion": "v1", "kind": "List", "items": cluster["services"].get(release, [])}))
else:
    sys.exit("unexpected kubectl call: " + " ".join(args))
`;

const HELM_STUB = String.raw`#!/usr/bin/python3
import json, os, sys
cluster = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cluster.json")))
if sys.argv[1] != "list" or "--all-namespaces" not in sys.argv:
    sys.exit("unexpected helm call")
print(json.dumps(cluster["releases"]))
`;

const VERSION = "v1.26.0+k3s1";
/** K3s names a node after its host name, and so does the playbook when it looks for it. */
const NODE = hostname().toLowerCase();
const NODE_RE = NODE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function node(name: string, ready = "True", version = VERSION): object {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    status: {
      conditions: [
        { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory" },
        { type: "Ready", status: ready, reason: ready === "True" ? "KubeletReady" : "" },
      ],
      nodeInfo: { kubeletVersion: version, kubeProxyVersion: version, osImage: "SLES 15-SP4" },
    },
  };
}

function pod(name: string, ready = true, phase = "Running"): object {
  return {
    metadata: { name, namespace: "x" },
    status: {
      phase,
      containerStatuses: [{ name: name.replace(/-[a-z0-9]+$/, ""), ready, restartCount: 0 }],
    },
  };
}

function release(name: string, namespace: string, chart: string, status = "deployed"): object {
  return {
    name,
    namespace,
    revision: "1",
    updated: "2023-03-01 10:55:10.916137137 -0600 CST",
    status,
    chart,
    app_version: "2.6.6",
  };
}

function service(name: string, ip?: string): object {
  return {
    metadata: {
      name,
      namespace: name,
      labels: { "app.kubernetes.io/instance": name, "app.kubernetes.io/name": "haproxy" },
    },
    spec: { type: "LoadBalancer", ports: [{ name: "ssh", port: 22, protocol: "TCP" }] },
    status: { loadBalancer: ip === undefined ? {} : { ingress: [{ ip }] } },
  };
}

/** The seed's healthy single-node cluster, with HAProxy's external IP on 127.0.0.1. */
function healthy(): Record<string, unknown> {
  return {
    nodes: { [NODE]: node(NODE) },
    releases: [
      release("haproxy-uai", "haproxy-uai", "haproxy-1.17.3"),
      release("metallb", "metallb-system", "metallb-0.13.7"),
    ],
    pods: {
      "metallb-system": [pod("metallb-controller-5b89f7554c-mzjvt"), pod("metallb-speaker-ltnkx")],
      "haproxy-uai": [pod("haproxy-uai-7kg6p")],
    },
    services: { "haproxy-uai": [service("haproxy-uai", "127.0.0.1")] },
  };
}

describe("k3s_validate.yml on stand-ins for kubectl and helm", function () {
  needs(this, "ansible-playbook");
  this.timeout(120_000);
  let tree: string;
  let seedTree: string;
  let banner: Server;
  let port: number;

  before(async () => {
    tree = renderTree("split");
    seedTree = renderTree("seed");
    banner = createServer((socket) => socket.end("SSH-2.0-OpenSSH_9.2 uan-k3s-test\r\n"));
    await new Promise<void>((resolve) => banner.listen(0, "127.0.0.1", resolve));
    port = (banner.address() as AddressInfo).port;
  });

  after(() => {
    banner.close();
  });

  async function validate(
    cluster: Record<string, unknown>,
    vars: Record<string, unknown> = {},
    flags: readonly string[] = [],
    root = tree,
  ): Promise<Result> {
    const dir = scratch("validate");
    writeExecutables(dir, { k3s: K3S_STUB, helm: HELM_STUB });
    writeFileSync(join(dir, "cluster.json"), JSON.stringify(cluster));
    const inventory = writeLocalInventory(
      dir,
      { localhost: {} },
      { k3s_server: ["localhost"], k3s_agent: [] },
    );
    const extra = {
      k3s_bin_dir: dir,
      helm_path: join(dir, "helm"),
      // No systemd here: the sshd check is exercised by its own case below.
      uan_sshd_configs: [],
      uan_haproxy: [{ name: "haproxy-uai", namespace: "haproxy-uai", port }],
      metallb_ipaddresspool_range_start: "127.0.0.1",
      metallb_ipaddresspool_range_end: "127.0.0.9",
      k3s_validate_ssh_timeout: 2,
      ...vars,
    };
    return ansible(root, "ansible-playbook", [
      "-i",
      inventory,
      "k3s_validate.yml",
      "-e",
      JSON.stringify(extra),
      ...flags,
    ]);
  }

  function expectFailure(result: Result, message: RegExp): void {
    expect(result.code, output(result)).to.not.equal(0);
    expect(result.stdout, output(result)).to.match(message);
  }

  it("passes on a healthy cluster and changes nothing", async () => {
    const result = await validate(healthy());
    expect(result.code, output(result)).to.equal(0);
    expect(result.stdout).to.match(/localhost\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0/);
    expect(result.stdout).to.include(`haproxy-uai 127.0.0.1:${port}`);
  });

  it("passes in check mode too: it only reads", async () => {
    const result = await validate(healthy(), {}, ["--check"]);
    expect(result.code, output(result)).to.equal(0);
    expect(result.stdout).to.match(/changed=0\s+unreachable=0\s+failed=0/);
    expect(result.stdout).to.include(`ok: [localhost] => (item=haproxy-uai 127.0.0.1:${port})`);
  });

  it("fails on a node that is not Ready, or runs another K3s, or is missing", async () => {
    const notReady = { ...healthy(), nodes: { [NODE]: node(NODE, "False") } };
    expectFailure(
      await validate(notReady),
      new RegExp(`K3s node ${NODE_RE}: Ready=False, version v1\\.26\\.0\\+k3s1`),
    );
    const older = { ...healthy(), nodes: { [NODE]: node(NODE, "True", "v1.25.4+k3s1") } };
    expectFailure(
      await validate(older),
      /version v1\.25\.4\+k3s1 \(expected Ready=True, version v1\.26\.0\+k3s1\)/,
    );
    expectFailure(
      await validate({ ...healthy(), nodes: {} }),
      new RegExp(`K3s node ${NODE_RE}: not in the cluster`),
    );
  });

  it("fails on a release that is not deployed, or a pod that is not ready", async () => {
    const failed = {
      ...healthy(),
      releases: [
        release("haproxy-uai", "haproxy-uai", "haproxy-1.17.3", "failed"),
        release("metallb", "metallb-system", "metallb-0.13.7"),
      ],
    };
    expectFailure(
      await validate(failed),
      /Helm release haproxy-uai in haproxy-uai: failed \(expected deployed\)/,
    );
    const crashing = {
      ...healthy(),
      pods: { ...(healthy().pods as object), "haproxy-uai": [pod("haproxy-uai-7kg6p", false)] },
    };
    expectFailure(
      await validate(crashing),
      /Namespace haproxy-uai: 1 pods; not Running: none;\s+containers not ready: haproxy-uai/,
    );
  });

  it("fails without an external IP, or with one outside the MetalLB range", async () => {
    const pending = { ...healthy(), services: { "haproxy-uai": [service("haproxy-uai")] } };
    expectFailure(
      await validate(pending),
      /HAProxy haproxy-uai: 1 LoadBalancer services, external IPs\s+none/,
    );
    const outside = await validate(healthy(), {
      metallb_ipaddresspool_range_start: "10.102.20.225",
      metallb_ipaddresspool_range_end: "10.102.20.254",
    });
    expectFailure(
      outside,
      /127\.0\.0\.1, outside the MetalLB range 10\.102\.20\.225-10\.102\.20\.254/,
    );
  });

  it("passes with no MetalLB range, saying there is no external IP by design", async () => {
    const noRange = {
      metallb_ipaddresspool_range_start: undefined,
      metallb_ipaddresspool_range_end: undefined,
    };
    const pending = { ...healthy(), services: { "haproxy-uai": [service("haproxy-uai")] } };
    const result = await validate(pending, noRange, [], seedTree);
    expect(result.code, output(result)).to.equal(0);
    expect(result.stdout).to.match(
      /HAProxy haproxy-uai: no external IP, by design: no MetalLB range/,
    );
    expect(result.stdout).to.match(
      /Check that MetalLB gave each HAProxy instance an external IP[^\n]*\nskipping:/,
    );
    expect(result.stdout).to.match(/changed=0\s+unreachable=0\s+failed=0/);
  });

  it("fails when SSH does not answer through the load balancer", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    closed.close();
    const result = await validate(healthy(), {
      uan_haproxy: [{ name: "haproxy-uai", namespace: "haproxy-uai", port: deadPort }],
    });
    expectFailure(result, new RegExp(`haproxy-uai 127\\.0\\.0\\.1:${deadPort}`));
    expect(result.stdout).to.match(/failed=1/);
  });

  it("fails when an sshd instance is not running", async () => {
    const result = await validate(healthy(), { uan_sshd_configs: [{ name: "uai", port: 9000 }] });
    expectFailure(result, /sshd_uai is not running on localhost/);
  });
});
