import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import type { HaproxyInstance, UanK3SConfig } from "../../schemas/generated/config";
import { projectPath } from "../../core/paths";
import { run } from "../cli/exec";
import { output } from "./ansible";
import { ansibleTemplate, renderOwnRoles, runRole, Scratch } from "./e2e-tools";
import { needs } from "../tools";

// Backends are IP addresses, or names no resolver is ever asked about (a DNS label longer than
// 63 characters fails inside the C library), so that HAProxy sends no DNS query off the box.
const UNRESOLVABLE = `${"x".repeat(64)}.invalid`;
const LOCAL_BACKENDS = [
  { name: "uan01", address: "127.0.0.1", port: 9000 },
  { name: "uan02", address: "127.0.0.1", port: 9001 },
];
const ITEM = { uan_haproxy_instance: "{{ uan_haproxy[0] }}" };

describe("uan_haproxy templates, rendered by Ansible and checked by HAProxy", function () {
  needs(this, "ansible", "haproxy");
  this.timeout(120_000);
  const scratch = new Scratch();
  after(() => scratch.cleanup());

  /** haproxy.cfg.j2 rendered for the first HAProxy instance of `config`. */
  async function renderCfg(config: UanK3SConfig): Promise<{ path: string; text: string }> {
    const tree = renderOwnRoles(scratch, "split", config);
    const path = join(scratch.dir(), "haproxy.cfg");
    await ansibleTemplate(tree, "uan_haproxy", "haproxy.cfg.j2", path, ["vars/uan_helm.yml"], ITEM);
    return { path, text: readFileSync(path, "utf8") };
  }

  async function haproxyCheck(path: string): Promise<string> {
    const result = await run("haproxy", ["-c", "-f", path]);
    expect(result.code, output(result)).to.equal(0);
    return result.stdout + result.stderr;
  }

  function withHaproxy(instance: Partial<HaproxyInstance>): UanK3SConfig {
    return { haproxy: [{ name: "haproxy-uai", backends: LOCAL_BACKENDS, ...instance }] };
  }

  it("renders the seed's instance: a server line per K3s node, with the SSH banner check", async () => {
    const { text } = await renderCfg({});
    expect(text).to.include("log stdout format raw local0");
    expect(text).to.include("maxconn 1024");
    expect(text).to.match(/^ {4}bind \*:22$/m);
    expect(text).to.match(/^ {4}balance leastconn$/m);
    expect(text).to.match(/^ {4}mode tcp$/m);
    expect(text).to.match(/^ {4}option tcp-check$/m);
    expect(text).to.include("tcp-check expect rstring 'SSH-2.0-OpenSSH.*'");
    expect(text).to.include("timeout client 36h");
    const servers = text.split("\n").filter((line) => line.trim().startsWith("server "));
    expect(servers).to.deep.equal(
      ["uan01", "uan02", "uan03"].map(
        (host) =>
          `    server ${host} ${host}:9000 check inter 10s fall 2 rise 1 init-addr last,libc,none`,
      ),
    );
    expect(text).not.to.include("{{");
  });

  it("HAProxy accepts the generated config; a backend whose name does not resolve only disables that server", async () => {
    const { path } = await renderCfg(
      withHaproxy({
        port: 2222,
        backends: [...LOCAL_BACKENDS, { name: "later", address: UNRESOLVABLE, port: 9000 }],
      }),
    );
    const report = await haproxyCheck(path);
    expect(report).to.include("Configuration file is valid");
    expect(report).to.match(/'server ssh\/later' : could not resolve address .*disabling server/);
  });

  it("leaves out the health check when check is false", async () => {
    const { path, text } = await renderCfg(withHaproxy({ check: false }));
    expect(text).not.to.include("tcp-check");
    expect(text).to.include("    server uan01 127.0.0.1:9000 init-addr last,libc,none\n");
    await haproxyCheck(path);
  });

  it("passes a banner pattern with spaces, $ and backslashes to tcp-check as one argument", async () => {
    const expect_ = "^SSH-2\\.0-(OpenSSH|dropbear)_[0-9.]+ [A-Za-z]+$";
    const { path, text } = await renderCfg(
      withHaproxy({ check: { expect: expect_, inter: "2s", fall: 3, rise: 2 } }),
    );
    expect(text).to.include(`tcp-check expect rstring '${expect_}'`);
    expect(text).to.include("check inter 2s fall 3 rise 2 init-addr last,libc,none");
    await haproxyCheck(path);
  });

  it("takes the seed's uan_haproxy entry as it is pasted (args, kind, a whole config), and HAProxy accepts it", async () => {
    const data = YAML.parse(
      readFileSync(projectPath("test", "cases", "seed-forms", "uan-k3s.yaml"), "utf8"),
    ) as UanK3SConfig;
    const [entry] = data.uan_haproxy ?? [];
    // The seed says to tailor its example: its uan0N.example.domain.com become addresses here.
    const tailored = (entry?.config ?? "").replace(/uan0\d\.example\.domain\.com/g, "127.0.0.1");
    const config = { ...data, uan_haproxy: [{ ...entry, name: "haproxy-uai", config: tailored }] };
    const { path, text } = await renderCfg(config);
    expect(text).to.equal(tailored.replace(/\n$/, "") + "\n");
    await haproxyCheck(path);
    const tree = renderOwnRoles(scratch, "split", {
      ...config,
      uan_haproxy: [{ ...config.uan_haproxy[0], name: "haproxy-uai", kind: "Deployment" }],
    });
    const values = await ansibleTemplate(
      tree,
      "uan_haproxy",
      "haproxy-values.yml.j2",
      join(scratch.dir(), "v"),
      ["vars/uan_helm.yml"],
      ITEM,
    );
    const parsed = YAML.parse(readFileSync(values, "utf8")) as Record<string, unknown>;
    expect(parsed).to.deep.include({ kind: "Deployment", service: { type: "LoadBalancer" } });
    expect(parsed.config).to.equal(text);
  });

  it("takes the edge values gen-roles lets through, and refuses each kind it refuses (HAProxy agrees)", async () => {
    const { path } = await renderCfg(
      withHaproxy({
        timeouts: { connect: "2147483647", client: "24d", server: "0" },
        check: { expect: "^SSH\\\\ [\\]]\\d+|x", inter: "1us", fall: 1, rise: 1 },
      }),
    );
    await haproxyCheck(path);
    // The same line with a value buildRoleModel refuses: HAProxy refuses it too.
    const text = readFileSync(path, "utf8");
    const refused: [RegExp, string][] = [
      [/rstring '[^']*'/, "rstring 'SSH-2\\.0\\'"],
      [/rstring '[^']*'/, "rstring '(a)\\1'"],
      [/rstring '[^']*'/, "rstring '\\i'"],
      [/rstring '[^']*'/, "rstring 'SSH('"],
      [/inter 1us/, "inter 0"],
      [/timeout client 24d/, "timeout client 25d"],
    ];
    for (const [line, bad] of refused) {
      writeFileSync(path, text.replace(line, bad));
      const result = await run("haproxy", ["-c", "-f", path]);
      expect(result.code, bad).not.to.equal(0);
    }
  });

  it("uses a config given whole as it is, never templated", async () => {
    const config = [
      "# {{ lookup('pipe', 'id') }} stays text",
      "global",
      "    log stdout format raw local0",
      "defaults",
      "    mode tcp",
      "    timeout connect 5s",
      "    timeout client 1h",
      "    timeout server 1h",
      "listen ssh",
      "    bind *:22",
      "    server only 127.0.0.1:9000 check",
      "",
    ].join("\n");
    const { path, text } = await renderCfg(withHaproxy({ config }));
    expect(text).to.equal(config);
    await haproxyCheck(path);
  });

  it("writes Helm values with the same config, the service, only the SSH port, and the image", async () => {
    const digest = "a".repeat(64);
    const tree = renderOwnRoles(scratch, "split", {
      ...withHaproxy({ service_type: "NodePort", port: 2222 }),
      release: {
        haproxy_image: `registry.local/haproxytech/haproxy-alpine:2.6.6@sha256:${digest}`,
      },
    });
    const dir = scratch.dir();
    const [cfg, values] = await Promise.all([
      ansibleTemplate(
        tree,
        "uan_haproxy",
        "haproxy.cfg.j2",
        join(dir, "c"),
        ["vars/uan_helm.yml"],
        ITEM,
      ),
      ansibleTemplate(
        tree,
        "uan_haproxy",
        "haproxy-values.yml.j2",
        join(dir, "v"),
        ["vars/uan_helm.yml"],
        ITEM,
      ),
    ]);
    const parsed = YAML.parse(readFileSync(values, "utf8")) as Record<string, unknown>;
    expect(parsed).to.deep.equal({
      kind: "DaemonSet",
      image: {
        repository: "registry.local/haproxytech/haproxy-alpine",
        tag: `2.6.6@sha256:${digest}`,
      },
      service: { type: "NodePort" },
      containerPorts: { ssh: 2222, http: null, https: null, stat: null },
      config: readFileSync(cfg, "utf8"),
    });
    expect(parsed.config).to.include("bind *:2222");
  });
});

/**
 * A stand-in for helm: list, get values and upgrade --install on a JSON file of releases, with
 * every call logged. HELM_STUB_FAIL=<subcommand> makes that subcommand fail, as helm does when
 * there is no cluster.
 */
const HELM_STUB = `#!/usr/bin/python3
import json, os, re, sys
import yaml

state = os.environ["HELM_STUB_STATE"]
releases_file = os.path.join(state, "releases.json")
args = sys.argv[1:]
with open(os.path.join(state, "calls.log"), "a") as log:
    log.write(json.dumps({"args": args, "kubeconfig": os.environ.get("KUBECONFIG")}) + "\\n")
if os.environ.get("HELM_STUB_FAIL") == args[0]:
    sys.exit("Error: Kubernetes cluster unreachable")
releases = json.load(open(releases_file)) if os.path.exists(releases_file) else {}
opt = lambda name: args[args.index(name) + 1]
if args[0] == "list":
    ns, pattern = opt("--namespace"), opt("--filter")
    print(json.dumps([
        {"name": r["name"], "namespace": ns, "revision": str(r["revision"]), "status": r["status"],
         "chart": r["chart"], "app_version": "2.6.6"}
        for r in releases.values() if r["namespace"] == ns and re.search(pattern, r["name"])]))
elif args[:2] == ["get", "values"]:
    print(json.dumps(releases[opt("--namespace") + "/" + args[2]]["values"]))
elif args[0] == "upgrade" and args[1] == "--install":
    name, chart, ns = args[2], args[3], opt("--namespace")
    # What helm does on a cluster where MetalLB has no pool: --wait waits for the LoadBalancer
    # service's external IP, which never comes, until --timeout.
    service = (yaml.safe_load(open(opt("--values"))) or {}).get("service", {})
    if "--wait" in args and os.environ.get("HELM_STUB_NO_POOL") and service.get("type") == "LoadBalancer":
        sys.exit("Error: timed out waiting for the condition")
    revision = releases.get(ns + "/" + name, {"revision": 0})["revision"] + 1
    releases[ns + "/" + name] = {
        "name": name, "namespace": ns, "revision": revision, "status": "deployed",
        "chart": os.path.basename(chart)[: -len(".tgz")],
        "values": yaml.safe_load(open(opt("--values")))}
    json.dump(releases, open(releases_file, "w"))
    print(json.dumps({"name": name, "namespace": ns, "version": revision}))
else:
    sys.exit("helm stub: unexpected " + " ".join(args))
`;

/**
 * A stand-in for podman that accepts only the default uan_haproxy_validate_command's shape
 * (HAProxy's check of the mounted file in haproxy_image) and runs the real check on the file.
 */
const PODMAN_STUB = `#!/usr/bin/python3
import os, re, sys

args = sys.argv[1:]
mount = re.fullmatch(r"--volume=(/[^:]+):/tmp/haproxy.cfg:ro", args[5] if len(args) > 5 else "")
expected = ["run", "--rm", "--network=host", "--user=root", "--entrypoint=haproxy",
            args[5], "registry.local/artifactory.algol60.net/csm-docker/stable/docker.io/haproxytech/haproxy-alpine:2.6.6", "-c", "-f", "/tmp/haproxy.cfg"]
if mount is None or args != expected:
    sys.exit("podman stub: unexpected " + repr(args))
os.execvp("haproxy", ["haproxy", "-c", "-f", mount.group(1)])
`;

interface HelmCall {
  readonly args: string[];
  readonly kubeconfig: string | null;
}

describe("uan_haproxy role run by ansible-playbook against a stand-in helm", function () {
  needs(this, "ansible-playbook", "haproxy");
  this.timeout(180_000);
  const scratch = new Scratch();
  after(() => scratch.cleanup());

  /** A fresh Helm install dir with the staged chart, the helm stand-in and its state. */
  function helmSetup(): { install: string; helm: string; state: string } {
    const install = scratch.dir();
    const state = scratch.dir();
    const helm = join(scratch.dir(), "helm");
    writeFileSync(helm, HELM_STUB, { mode: 0o755 });
    writeFileSync(join(install, "podman"), PODMAN_STUB, { mode: 0o755 });
    const charts = join(install, "charts");
    mkdirSync(charts);
    writeFileSync(join(charts, "haproxy-1.17.3.tgz"), "not really a chart");
    return { install, helm, state };
  }

  function config(setup: { install: string; helm: string }, instance = {}): UanK3SConfig {
    return {
      helm: { install_path: setup.install, binary: setup.helm },
      haproxy: [{ name: "haproxy-uai", backends: LOCAL_BACKENDS, ...instance }],
    };
  }

  async function play(
    setup: { install: string; helm: string; state: string },
    instance = {},
    options: { check?: boolean; env?: Record<string, string>; system?: "split" | "seed" } = {},
  ): ReturnType<typeof runRole> {
    const tree = renderOwnRoles(scratch, options.system ?? "split", config(setup, instance));
    return runRole(tree, "uan_haproxy", {
      varsFiles: ["vars/uan_k3s.yml", "vars/uan_helm.yml"],
      // The default check, with a podman that runs this machine's HAProxy instead of the image's.
      vars: { uan_haproxy_podman: join(setup.install, "podman") },
      env: { HELM_STUB_STATE: setup.state, ...options.env },
      ...(options.check === undefined ? {} : { check: options.check }),
    });
  }

  function calls(state: string): HelmCall[] {
    const log = join(state, "calls.log");
    if (!existsSync(log)) return [];
    const lines = readFileSync(log, "utf8").trim().split("\n");
    writeFileSync(log, "");
    return lines.filter(Boolean).map((line) => JSON.parse(line) as HelmCall);
  }

  const verbs = (list: HelmCall[]): string[] => list.map((call) => call.args.slice(0, 2).join(" "));

  it("installs the release once; a second run changes nothing; a changed config upgrades it once", async () => {
    const setup = helmSetup();
    const first = await play(setup);
    expect(first.recap.failed, output(first)).to.equal(0);
    expect(first.recap.changed, output(first)).to.be.greaterThan(0);
    const installed = calls(setup.state);
    expect(verbs(installed)).to.deep.equal(["list --all", "upgrade --install"]);
    expect(installed[1]?.args).to.deep.equal([
      ...["upgrade", "--install", "haproxy-uai", join(setup.install, "charts/haproxy-1.17.3.tgz")],
      ...["--namespace", "haproxy-uai", "--create-namespace"],
      ...["--values", join(setup.install, "values/haproxy-uai-values.yml")],
      ...["--wait", "--timeout", "5m", "--output", "json"],
    ]);
    // KUBECONFIG is the K3s kubeconfig whether or not the play sets it.
    expect(installed.map((call) => call.kubeconfig)).to.deep.equal([
      "/root/.kube/k3s.yml",
      "/root/.kube/k3s.yml",
    ]);
    for (const file of ["haproxy-uai-haproxy.cfg", "haproxy-uai-values.yml"]) {
      expect(statSync(join(setup.install, "values", file)).mode & 0o777, file).to.equal(0o600);
    }

    const second = await play(setup);
    expect(second.recap, output(second)).to.include({ failed: 0, changed: 0 });
    expect(verbs(calls(setup.state))).to.deep.equal(["list --all", "get values"]);

    const third = await play(setup, { balance: "roundrobin" });
    expect(third.recap.failed, output(third)).to.equal(0);
    expect(third.stdout).to.match(/TASK \[uan_haproxy : Install or upgrade[^\n]*\nchanged: /);
    expect(verbs(calls(setup.state))).to.deep.equal([
      "list --all",
      "get values",
      "upgrade --install",
    ]);
    const releases = JSON.parse(readFileSync(join(setup.state, "releases.json"), "utf8")) as Record<
      string,
      { revision: number; values: { config: string } }
    >;
    expect(releases["haproxy-uai/haproxy-uai"]?.revision).to.equal(2);
    expect(releases["haproxy-uai/haproxy-uai"]?.values.config).to.include("balance roundrobin");
  });

  it("with no MetalLB range, installs without --wait (no external IP will come), and the seed's args become values", async () => {
    const setup = helmSetup();
    const seed = { args: "--set service.type=LoadBalancer --atomic" };
    const env = { HELM_STUB_NO_POOL: "1" };
    const first = await play(setup, seed, { system: "seed", env });
    expect(first.code, output(first)).to.equal(0);
    const installed = calls(setup.state);
    expect(verbs(installed)).to.deep.equal(["list --all", "upgrade --install"]);
    expect(installed[1]?.args).to.not.include("--wait");
    expect(installed[1]?.args.slice(-4)).to.deep.equal(["5m", "--atomic", "--output", "json"]);
    const values = readFileSync(join(setup.install, "values", "haproxy-uai-values.yml"), "utf8");
    expect((YAML.parse(values) as { service: unknown }).service).to.deep.equal({
      type: "LoadBalancer",
    });

    // --set went into the values, so the release compares equal: a second run changes nothing.
    const second = await play(setup, seed, { system: "seed", env });
    expect(second.recap, output(second)).to.include({ failed: 0, changed: 0 });

    // With a range, helm waits for the external IP; here none comes, and helm's error fails the play.
    const ranged = await play(setup, { ...seed, balance: "roundrobin" }, { env });
    expect(ranged.code, output(ranged)).to.not.equal(0);
    expect(ranged.stdout).to.include("timed out waiting for the condition");
  });

  it("refuses a config HAProxy refuses: it never reaches Helm, and the old one stays", async () => {
    const setup = helmSetup();
    const good = await play(setup);
    expect(good.recap.failed, output(good)).to.equal(0);
    const cfgFile = join(setup.install, "values", "haproxy-uai-haproxy.cfg");
    const before = readFileSync(cfgFile, "utf8");
    calls(setup.state);

    const bad = await play(setup, { config: "listen ssh\n    bind *:22\n    no_such_keyword\n" });
    expect(bad.code, output(bad)).not.to.equal(0);
    expect(bad.stdout).to.include("failed to validate");
    expect(bad.stdout).to.include("no_such_keyword");
    expect(readFileSync(cfgFile, "utf8")).to.equal(before);
    expect(verbs(calls(setup.state))).to.deep.equal([]);
  });

  it("check mode writes nothing and upgrades nothing, even with no cluster to ask", async () => {
    const setup = helmSetup();
    const result = await play(setup, {}, { check: true, env: { HELM_STUB_FAIL: "list" } });
    expect(result.recap.failed, output(result)).to.equal(0);
    expect(existsSync(join(setup.install, "values"))).to.equal(false);
    expect(verbs(calls(setup.state))).to.deep.equal(["list --all"]);
  });

  it("fails with a message naming a chart that is not staged", async () => {
    const setup = helmSetup();
    rmSync(join(setup.install, "charts"), { recursive: true });
    const result = await play(setup);
    expect(result.code, output(result)).not.to.equal(0);
    expect(result.stdout).to.include("charts/haproxy-1.17.3.tgz is missing: the uan_helm role");
    expect(verbs(calls(setup.state))).to.deep.equal([]);
  });
});
