import { expect } from "chai";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { validate } from "../../core/validate";
import { ansible, output, scratch, writeExecutables } from "./ansible";
import { renderTree } from "./render";
import { needs } from "../tools";

const TEMPLATES = "roles/uan_metallb/templates";

/** Renders one of the role's manifest templates with Ansible itself, as the role would. */
async function renderManifest(tree: string, template: string): Promise<unknown> {
  const dest = join(scratch("manifest"), template.replace(/\.j2$/, ""));
  const result = await ansible(tree, "ansible", [
    "localhost",
    "-c",
    "local",
    "-m",
    "ansible.builtin.template",
    "-a",
    `src=${TEMPLATES}/${template} dest=${dest}`,
    "-e",
    "@roles/uan_metallb/defaults/main.yml",
    "-e",
    "@vars/uan_helm.yml",
  ]);
  expect(result.code, output(result)).to.equal(0);
  return YAML.parse(readFileSync(dest, "utf8"));
}

describe("uan_metallb manifests rendered by Ansible", function () {
  needs(this, "ansible");
  this.timeout(120_000);
  let tree: string;
  before(() => {
    tree = renderTree("split");
  });

  const METADATA = { name: "customer-access-k3s", namespace: "metallb-system" };
  const MANIFESTS = [
    {
      kind: "IPAddressPool",
      name: "metallb-ipaddresspool",
      spec: { addresses: ["10.102.20.225-10.102.20.254"], autoAssign: true },
    },
    {
      kind: "L2Advertisement",
      name: "metallb-l2advertisement",
      spec: { ipAddressPools: ["customer-access-k3s"] },
    },
  ];
  for (const { kind, name, spec } of MANIFESTS) {
    it(`renders the ${kind} for the SLS K3s range, valid against its schema`, async () => {
      const manifest = await renderManifest(tree, `${name}.yml.j2`);
      validate(manifest, `${name}.schema.json`, `${name}.yml`);
      expect(manifest).to.deep.equal({
        apiVersion: "metallb.io/v1beta1",
        kind,
        metadata: METADATA,
        spec,
      });
    });
  }

  it("the schemas refuse what MetalLB would refuse", () => {
    const pool = {
      apiVersion: "metallb.io/v1beta1",
      kind: "IPAddressPool",
      metadata: { name: "k3s", namespace: "metallb-system" },
      spec: { addresses: ["10.1.1.1-10.1.1"] },
    };
    expect(() => validate(pool, "metallb-ipaddresspool.schema.json", "pool")).to.throw(
      /pool: \/spec\/addresses\/0 must match/,
    );
    const advertisement = {
      apiVersion: "metallb.io/v1beta1",
      kind: "L2Advertisement",
      metadata: { name: "K3s" },
      spec: { ipAddressPools: [] },
    };
    expect(() => validate(advertisement, "metallb-l2advertisement.schema.json", "l2")).to.throw(
      /l2: \/metadata must have required property 'namespace'[\s\S]*\/spec\/ipAddressPools must NOT have fewer than 1 items/,
    );
  });
});

/**
 * Stand-ins for helm and k3s that keep a release and the applied manifests in a state file
 * and log every call. They let the role's decisions (upgrade or not, changed or not) run for
 * real against the same answers the CLIs give; they do not pretend to be a cluster.
 */
const STUB_STATE = String.raw`#!/usr/bin/python3
import json, os, sys, yaml
here = os.path.dirname(os.path.abspath(__file__))
state_file = os.path.join(here, "state.json")
state = json.load(open(state_file)) if os.path.exists(state_file) else {}
def log(line):
    with open(os.path.join(here, "calls.log"), "a") as calls:
        calls.write(line + "\n")
`;

const HELM_STUB =
  STUB_STATE +
  String.raw`
args = sys.argv[1:]
log("helm " + " ".join(args))
opt = lambda name: next((a.split("=", 1)[1] for a in args if a.startswith("--" + name + "=")), None)
release = state.get("release")
if args[0] == "list":
    print(json.dumps([] if release is None else [{
        "name": release["name"], "namespace": opt("namespace"), "revision": str(release["revision"]),
        "updated": "2023-03-01 10:40:15 -0600 CST", "status": "deployed",
        "chart": release["chart"], "app_version": "v0.13.7"}]))
elif args[:2] == ["get", "values"]:
    print(json.dumps(release["values"] if release else None))
elif args[:2] == ["upgrade", "--install"]:
    values = yaml.safe_load(open(opt("values"))) or {}
    revision = (release["revision"] if release else 0) + 1
    chart = os.path.basename(args[3])[:-len(".tgz")]
    state["release"] = {"name": args[2], "revision": revision, "chart": chart, "values": values or None}
    json.dump(state, open(state_file, "w"))
    print(json.dumps({"name": args[2], "version": revision, "info": {"status": "deployed"}}))
else:
    sys.exit("unexpected helm call: " + " ".join(args))
`;

const K3S_STUB =
  STUB_STATE +
  String.raw`
args = sys.argv[2:]
log("kubectl " + " ".join(args))
verb = [a for a in args if not a.startswith("-")][0]
if verb == "wait":
    print("customresourcedefinition.apiextensions.k8s.io/ipaddresspools.metallb.io condition met")
elif verb == "get":
    print("10.42.0.7", end="")
elif verb == "apply":
    applied = state.setdefault("applied", {})
    for path in [a.split("=", 1)[1] for a in args if a.startswith("--filename=")]:
        text = open(path).read()
        manifest = yaml.safe_load(text)
        key = manifest["kind"].lower() + ".metallb.io/" + manifest["metadata"]["name"]
        word = "created" if key not in applied else ("unchanged" if applied[key] == text else "configured")
        applied[key] = text
        print(key + " " + word)
    json.dump(state, open(state_file, "w"))
elif verb == "delete":
    # kubectl prints one line per object it deleted; --ignore-not-found keeps quiet about the rest.
    applied = state.setdefault("applied", {})
    for ref in [a for a in args if "/" in a and not a.startswith("-")]:
        resource, name = ref.split("/", 1)
        key = resource.replace("pools.", "pool.").replace("advertisements.", "advertisement.") + "/" + name
        if key in applied:
            del applied[key]
            print(key.split("/")[0] + ' "' + name + '" deleted')
        elif "--ignore-not-found" not in args:
            sys.exit('Error from server (NotFound): ' + resource + ' "' + name + '" not found')
    json.dump(state, open(state_file, "w"))
else:
    sys.exit("unexpected kubectl call: " + " ".join(args))
`;

/** What the stand-ins hold: the release and the applied objects (kind.group/name → text). */
function stubState(stubs: Stubs): { applied: Record<string, string> } {
  return JSON.parse(readFileSync(join(stubs.dir, "state.json"), "utf8")) as {
    applied: Record<string, string>;
  };
}

interface Stubs {
  readonly dir: string;
  calls(): string[];
}

function writeStubs(): Stubs {
  const dir = scratch("metallb-stubs");
  writeExecutables(dir, { helm: HELM_STUB, k3s: K3S_STUB });
  writeFileSync(join(dir, "metallb-0.13.7.tgz"), "not a real chart\n");
  return {
    dir,
    calls: () =>
      existsSync(join(dir, "calls.log"))
        ? readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n")
        : [],
  };
}

/** Runs uan_metallb from the rendered tree on localhost, helm and kubectl being the stubs. */
async function runRole(
  tree: string,
  stubs: Stubs,
  extra: Record<string, unknown> = {},
  flags: readonly string[] = [],
) {
  const play = join(tree, "metallb_only.yml");
  writeFileSync(
    play,
    YAML.stringify([
      {
        name: "MetalLB only",
        hosts: "localhost",
        gather_facts: false,
        vars_files: ["vars/uan_k3s.yml", "vars/uan_helm.yml"],
        roles: ["uan_metallb"],
      },
    ]),
  );
  const vars = {
    helm_path: join(stubs.dir, "helm"),
    k3s_bin_dir: stubs.dir,
    helm_install_path: stubs.dir,
    uan_metallb: {
      name: "metallb",
      namespace: "metallb-system",
      chart: "metallb-0.13.7",
      chart_path: join(stubs.dir, "metallb-0.13.7.tgz"),
    },
    uan_metallb_values_file: join(stubs.dir, "metallb-values.yml"),
    uan_metallb_ipaddresspool_file: join(stubs.dir, "pool.yml"),
    uan_metallb_l2advertisement_file: join(stubs.dir, "l2.yml"),
    ...extra,
  };
  const result = await ansible(tree, "ansible-playbook", [
    "-i",
    "localhost,",
    "-c",
    "local",
    play,
    "-e",
    JSON.stringify(vars),
    ...flags,
  ]);
  expect(result.code, output(result)).to.equal(0);
  const recap = /localhost\s+:\s+ok=(\d+)\s+changed=(\d+)/.exec(result.stdout);
  expect(recap, output(result)).to.not.equal(null);
  return { changed: Number(recap?.[2]), result };
}

describe("uan_metallb against helm and kubectl stand-ins", function () {
  needs(this, "ansible-playbook");
  this.timeout(300_000);

  it("installs once, then changes nothing; new values upgrade the release", async () => {
    const tree = renderTree("split");
    const stubs = writeStubs();

    const first = await runRole(tree, stubs);
    const upgrades = () =>
      stubs.calls().filter((call) => call.startsWith("helm upgrade --install"));
    const applies = () =>
      stubs.calls().filter((call) => call.startsWith("kubectl") && call.includes(" apply "));
    expect(upgrades(), output(first.result)).to.have.length(1);
    expect(upgrades()[0]).to.include("metallb").and.include("--namespace=metallb-system");
    expect(upgrades()[0]).to.include("--wait").and.include("--create-namespace");
    expect(applies()).to.have.length(1);
    // values file, install, the two manifests, apply
    expect(first.changed, output(first.result)).to.equal(4);

    const second = await runRole(tree, stubs);
    expect(second.changed, output(second.result)).to.equal(0);
    expect(upgrades()).to.have.length(1);
    expect(applies()).to.have.length(2);

    const values = { speaker: { logLevel: "debug" } };
    const third = await runRole(tree, stubs, { uan_metallb_values: values });
    expect(upgrades()).to.have.length(2);
    expect(third.changed, output(third.result)).to.equal(2);
    // The admin's values are merged over the images from the system's registry, not instead.
    const registry = "registry.local/artifactory.algol60.net/csm-docker/stable";
    expect(YAML.parse(readFileSync(join(stubs.dir, "metallb-values.yml"), "utf8"))).to.deep.equal({
      controller: { image: { repository: `${registry}/quay.io/metallb/controller` } },
      speaker: {
        image: { repository: `${registry}/quay.io/metallb/speaker` },
        frr: { image: { repository: `${registry}/quay.io/frrouting/frr` } },
        logLevel: "debug",
      },
    });
  });

  it("applies no address pool when the system has no MetalLB range, and removes the one it applied before", async () => {
    const stubs = writeStubs();
    await runRole(renderTree("split"), stubs);
    expect(Object.keys(stubState(stubs).applied)).to.have.length(2);
    rmSync(join(stubs.dir, "calls.log"));

    const run = await runRole(renderTree("seed"), stubs);
    // the pool and advertisement deleted; the values and the release are the same
    expect(run.changed, output(run.result)).to.equal(1);
    const kubectl = stubs.calls().filter((call) => call.startsWith("kubectl"));
    expect(kubectl.map((call) => call.split(" ")[2])).to.deep.equal(["wait", "delete"]);
    expect(kubectl[1]).to.include("ipaddresspools.metallb.io/customer-access-k3s");
    expect(stubState(stubs).applied).to.deep.equal({});

    const again = await runRole(renderTree("seed"), stubs);
    expect(again.changed, output(again.result)).to.equal(0);
  });

  it("deletes the pool HPE's uan_metallb left (ipaddresspool, l2advertisement), keeping only its own", async () => {
    const stubs = writeStubs();
    const hpe = {
      "ipaddresspool.metallb.io/ipaddresspool": "from HPE's metallb-crd.yml",
      "l2advertisement.metallb.io/l2advertisement": "from HPE's metallb-crd.yml",
    };
    writeFileSync(join(stubs.dir, "state.json"), JSON.stringify({ applied: hpe }));
    const run = await runRole(renderTree("split"), stubs);
    expect(run.result.stdout).to.match(
      /TASK \[uan_metallb : Delete the MetalLB pools[^\n]*\nchanged: /,
    );
    expect(Object.keys(stubState(stubs).applied).sort()).to.deep.equal([
      "ipaddresspool.metallb.io/customer-access-k3s",
      "l2advertisement.metallb.io/customer-access-k3s",
    ]);
    const again = await runRole(renderTree("split"), stubs);
    expect(again.changed, output(again.result)).to.equal(0);
  });

  it("names the pool and advertisement, and their apiVersion, as uan-k3s.yaml says", async () => {
    const stubs = writeStubs();
    const metallb = {
      pool_name: "users",
      l2advertisement_name: "users-l2",
      api_version: "metallb.io/v1beta2",
    };
    await runRole(renderTree("split", { metallb }), stubs);
    const applied = stubState(stubs).applied;
    expect(Object.keys(applied).sort()).to.deep.equal([
      "ipaddresspool.metallb.io/users",
      "l2advertisement.metallb.io/users-l2",
    ]);
    const l2 = YAML.parse(applied["l2advertisement.metallb.io/users-l2"] ?? "") as object;
    expect(l2).to.deep.include({
      apiVersion: "metallb.io/v1beta2",
      spec: { ipAddressPools: ["users"] },
    });
  });

  it("runs to the end in check mode on a node where helm is not installed yet", async () => {
    const tree = renderTree("split");
    const stubs = writeStubs();
    const missing = join(stubs.dir, "no-such-helm");
    const run = await runRole(tree, stubs, { helm_path: missing }, ["--check"]);
    expect(run.result.stdout).to.match(/failed=0/);
    expect(stubs.calls()).to.deep.equal([]);
  });

  it("only reads in check mode: no helm upgrade, no kubectl", async () => {
    const tree = renderTree("split");
    const stubs = writeStubs();
    await runRole(tree, stubs, {}, ["--check"]);
    expect(stubs.calls()).to.have.length(1);
    expect(stubs.calls()[0]).to.match(/^helm list /);
  });
});
