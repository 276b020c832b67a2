import { expect } from "chai";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { projectPath } from "../../core/paths";
import { hpeCheckout, run, tempDir, UAN_K3S } from "./exec";
import { needs } from "../tools";

const SPLIT = {
  sls: projectPath("fixtures", "systems", "split", "sls.json"),
  hsm: projectPath("fixtures", "systems", "split", "hsm-groups.json"),
};
const SOURCES = ["--sls-file", SPLIT.sls, "--hsm-file", SPLIT.hsm];

/** Every file under `dir` (but .git) → its bytes, for whole-tree comparisons. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (name === ".git") continue;
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return files;
}

describe("uan-k3s init and gen-roles (built executable)", function () {
  needs(this, "git");
  it("init writes a starter file that validates and means exactly the defaults", async () => {
    const dir = tempDir();
    const config = join(dir, "uan-k3s.yaml");
    const init = await run(UAN_K3S, ["init", "--output", config]);
    expect(init.code, init.stderr).to.equal(0);
    const withStarter = await run(UAN_K3S, [
      "gen-roles",
      "--out",
      join(dir, "a"),
      "--config",
      config,
      ...SOURCES,
    ]);
    expect(withStarter.code, withStarter.stderr).to.equal(0);
    const withDefaults = await run(UAN_K3S, ["gen-roles", "--out", join(dir, "b"), ...SOURCES]);
    expect(withDefaults.code, withDefaults.stderr).to.equal(0);
    expect(snapshot(join(dir, "a"))).to.deep.equal(snapshot(join(dir, "b")));
  });

  it("init refuses to overwrite an existing file without --force", async () => {
    const config = join(tempDir(), "uan-k3s.yaml");
    writeFileSync(config, "hostnames: alias\n");
    const result = await run(UAN_K3S, ["init", "--output", config]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("already exists");
    expect(readFileSync(config, "utf8")).to.equal("hostnames: alias\n");
  });

  it("writes the vars files with the K3s range from SLS, and a second run changes nothing", async () => {
    const out = join(tempDir(), "out");
    const first = await run(UAN_K3S, ["gen-roles", "--out", out, ...SOURCES]);
    expect(first.code, first.stderr).to.equal(0);
    const helm = readFileSync(join(out, "vars", "uan_helm.yml"), "utf8");
    expect(helm).to.match(/^# Managed by uan-k3s; edit uan-k3s.yaml and run "uan-k3s gen-roles"\n/);
    expect(helm).to.include("metallb_ipaddresspool_range_start: 10.102.20.225\n");
    expect(helm).to.include("metallb_ipaddresspool_range_end: 10.102.20.254\n");
    expect(first.stderr).to.include(
      "uan-k3s: MetalLB range for HAProxy's external IP: 10.102.20.225-10.102.20.254, from the K3s subnet of CAN in SLS\n",
    );
    const before = snapshot(out);
    const second = await run(UAN_K3S, ["gen-roles", "--out", out, ...SOURCES]);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stderr).to.match(/0 created, 0 updated, 0 removed, \d+ unchanged/);
    expect(snapshot(out)).to.deep.equal(before);
    const check = await run(UAN_K3S, ["gen-roles", "--out", out, "--check", ...SOURCES]);
    expect(check.code, check.stderr).to.equal(0);
  });

  it("--check fails and --diff shows what a config change would do; nothing is written", async () => {
    const dir = tempDir();
    const out = join(dir, "out");
    expect((await run(UAN_K3S, ["gen-roles", "--out", out, ...SOURCES])).code).to.equal(0);
    const before = snapshot(out);
    const config = join(dir, "uan-k3s.yaml");
    writeFileSync(
      config,
      "sshd:\n  - name: uai\n    port: 9022\n    podman:\n      image: registry.local/site/uai:1.2\n",
    );
    const check = await run(UAN_K3S, [
      "gen-roles",
      "--out",
      out,
      "--check",
      "--diff",
      "--config",
      config,
      ...SOURCES,
    ]);
    expect(check.code).to.equal(1);
    expect(check.stderr).to.include("is out of date").and.include("update   vars/uan_sshd.yml");
    expect(check.stdout).to.include("+++ b/vars/uan_sshd.yml").and.include("+    port: 9022");
    expect(snapshot(out)).to.deep.equal(before);
  });

  it("refuses to overwrite a generated file edited by hand, naming it, until --force", async () => {
    const out = join(tempDir(), "out");
    expect((await run(UAN_K3S, ["gen-roles", "--out", out, ...SOURCES])).code).to.equal(0);
    const edited = join(out, "vars", "uan_sshd.yml");
    writeFileSync(edited, "uan_sshd_configs: []\n");
    const refused = await run(UAN_K3S, ["gen-roles", "--out", out, ...SOURCES]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include("vars/uan_sshd.yml");
    expect(readFileSync(edited, "utf8")).to.equal("uan_sshd_configs: []\n");
    const forced = await run(UAN_K3S, ["gen-roles", "--out", out, "--force", ...SOURCES]);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(readFileSync(edited, "utf8")).to.include("name: uai");
  });

  it("rejects a config with duplicate sshd ports, naming the file, and writes nothing", async () => {
    const dir = tempDir();
    const config = join(dir, "uan-k3s.yaml");
    writeFileSync(config, "sshd:\n  - name: a\n    port: 9000\n  - name: b\n    port: 9000\n");
    const result = await run(UAN_K3S, [
      "gen-roles",
      "--out",
      join(dir, "out"),
      "--config",
      config,
      ...SOURCES,
    ]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include(`${config}: /sshd: two sshd instances listen on port 9000`);
    expect(readdirSync(dir)).to.deep.equal(["uan-k3s.yaml"]);
  });

  it("rejects Jinja, sshd and HAProxy directives smuggled into config values, with their paths", async () => {
    const dir = tempDir();
    const config = join(dir, "uan-k3s.yaml");
    writeFileSync(
      config,
      [
        "sshd:",
        "  - name: uai",
        "    port: 9000",
        "    podman:",
        "      image: \"{{ lookup('pipe', 'id') }}\"",
        '      extra_args: ["--rm\\nForceCommand /bin/sh"]',
        "haproxy:",
        "  - name: haproxy-uai",
        "    backends:",
        '      - { name: "uan01\\n  server evil 10.0.0.1:22", address: uan01 }',
        "release:",
        "  third_party_registry: \"registry.local/{{ lookup('pipe', 'id') }}\"",
        "k3s:",
        '  flannel_iface: "nmn0 --write-kubeconfig-mode=0644"',
        "",
      ].join("\n"),
    );
    const result = await run(UAN_K3S, [
      "gen-roles",
      "--out",
      join(dir, "out"),
      "--config",
      config,
      ...SOURCES,
    ]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include(
      `sshd[0].podman.image: got "{{ lookup('pipe', 'id') }}"; allowed: text matching`,
    );
    expect(result.stderr).to.include("sshd[0].podman.extra_args[0]: got ");
    expect(result.stderr).to.include("haproxy[0].backends[0].name: got ");
    expect(result.stderr).to.include("release.third_party_registry: got ");
    expect(result.stderr).to.include(
      'k3s.flannel_iface: got "nmn0 --write-kubeconfig-mode=0644"; allowed: text matching',
    );
  });

  it("--git-commit commits the tree on a new branch and prints the SHA; a rerun commits nothing", async () => {
    const { repo, git } = hpeCheckout();
    const args = [
      "gen-roles",
      "--out",
      repo,
      "--git-commit",
      "--branch",
      "integration-2.6",
      ...SOURCES,
    ];
    const first = await run(UAN_K3S, args);
    expect(first.code, first.stderr).to.equal(0);
    const sha = first.stdout.trim();
    expect(sha).to.match(/^[0-9a-f]{40}$/);
    expect(git("rev-parse", "HEAD")).to.equal(sha);
    expect(git("rev-parse", "--abbrev-ref", "HEAD")).to.equal("integration-2.6");
    expect(git("log", "-1", "--format=%s")).to.match(/^uan-k3s gen-roles: \d+ added/);
    expect(git("show", "--stat", "--format=", "HEAD"))
      .to.include("vars/uan_helm.yml")
      .and.not.include("site.yml");
    const second = await run(UAN_K3S, args);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout.trim()).to.equal(sha);
  });
});
