import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../core/paths";
import type { Check } from "../../doctor";
import type { HsmGroup } from "../../schemas/generated/hsm";
import { doctor, GIT_ONLY, statuses, typed } from "./doctor-run";
import { checkoutWithRemote, run, systemSimulator, tempDir, UAN_K3S } from "./exec";
import { needs } from "../tools";

const files = (name: string) => ({
  sls: projectPath("fixtures", "systems", name, "sls.json"),
  hsm: projectPath("fixtures", "systems", name, "hsm-groups.json"),
});

describe("uan-k3s doctor (built executable)", function () {
  needs(this, "openssl");
  this.timeout(60_000);

  it("the seed system: split still to do, one K3s server, the example image", async () => {
    const seed = files("seed");
    const { code, checks } = await doctor(["--sls-file", seed.sls, "--hsm-file", seed.hsm]);
    expect(code).to.equal(0);
    expect(statuses(checks)).to.deep.equal({
      config: "pass",
      "tool-git": "pass",
      "tool-kubectl": "warn",
      "tool-cray": "warn",
      sources: "pass",
      network: "pass",
      "k3s-subnet": "warn",
      "k3s-groups": "pass",
      "k3s-exclusive": "pass",
      "k3s-quorum": "pass",
      "k3s-uans": "pass",
      "k3s-addresses": "pass",
      roles: "warn",
      "cfs-layer": "skip",
    });
    expect(checks.get("k3s-subnet")?.detail)
      .to.include("not split yet")
      .and.include("10.102.20.224/27");
    expect(checks.get("k3s-quorum")?.detail).to.include("1 server, as the seed procedure sets up");
    expect(checks.get("tool-kubectl")?.detail).to.include("split --kubectl");
  });

  it("the split system passes the subnet check with its range", async () => {
    const split = files("split");
    const { checks } = await doctor(["--sls-file", split.sls, "--hsm-file", split.hsm]);
    expect(checks.get("k3s-subnet")).to.deep.include({ status: "pass" });
    expect(checks.get("k3s-subnet")?.detail).to.include("MetalLB 10.102.20.225 - 10.102.20.254");
  });

  it("the pre-1.2 system: no BICAN, no k3s groups, installer default", async () => {
    const pre12 = files("pre12");
    const { checks } = await doctor(["--sls-file", pre12.sls, "--hsm-file", pre12.hsm]);
    expect(checks.get("network")).to.deep.include({ status: "warn" });
    expect(checks.get("network")?.fix).to.include("--network CAN");
    expect(checks.get("k3s-groups")).to.deep.include({ status: "warn" });
    expect(checks.get("k3s-exclusive")).to.deep.include({ status: "warn" });
    expect(checks.get("k3s-addresses")).to.deep.include({ status: "skip" });
  });

  it("the CHN system: designation by default, addresses on CHN", async () => {
    const chn = files("chn");
    const { checks } = await doctor(["--sls-file", chn.sls, "--hsm-file", chn.hsm]);
    expect(checks.get("network")?.detail).to.equal("BICAN routes users over CHN");
    expect(checks.get("k3s-groups")?.detail).to.include("designation from default");
    expect(checks.get("k3s-addresses")).to.deep.include({
      status: "pass",
      detail: "each has chn_ip",
    });
  });

  it("fails, naming the fix, for non-UAN members, nodes without a user-network address and a bad config", async () => {
    const dir = tempDir();
    const seed = files("seed");
    const groups = JSON.parse(readFileSync(seed.hsm, "utf8")) as HsmGroup[];
    const agent = groups.find((group) => group.label === "k3s_agent")!;
    agent.members = { ids: [...(agent.members?.ids ?? []), "x1000c0s0b0n0"] };
    writeFileSync(join(dir, "groups.json"), JSON.stringify(groups));
    writeFileSync(join(dir, "uan-k3s.yaml"), "sshd:\n  - name: a\n    port: 22\n");
    const { code, checks } = await doctor([
      "--sls-file",
      seed.sls,
      "--hsm-file",
      join(dir, "groups.json"),
      "--config",
      join(dir, "uan-k3s.yaml"),
    ]);
    expect(code).to.equal(1);
    expect(checks.get("k3s-uans")).to.deep.include({
      status: "fail",
      detail: "not Application_UAN nodes: x1000c0s0b0n0",
    });
    expect(checks.get("k3s-addresses")).to.deep.include({
      status: "fail",
      detail: "no CAN reservation for: x1000c0s0b0n0",
    });
    expect(checks.get("roles")?.status).to.equal("fail");
    expect(checks.get("roles")?.detail).to.include(
      "22 is already used on the node by the system sshd",
    );
  });

  it("fails the config check for an invalid file and still checks the rest", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "uan-k3s.yaml"), "hostnames: fqdn\n");
    const seed = files("seed");
    const { code, checks } = await doctor([
      "--sls-file",
      seed.sls,
      "--config",
      join(dir, "uan-k3s.yaml"),
    ]);
    expect(code).to.equal(1);
    expect(checks.get("config")?.detail).to.include(
      'hostnames: got "fqdn"; allowed: one of "xname", "alias"',
    );
    expect(checks.get("sources")?.status).to.equal("pass");
  });

  it("checks a generated tree is up to date, and the subuid/subgid files", async () => {
    const dir = tempDir();
    const split = files("split");
    const sources = ["--sls-file", split.sls, "--hsm-file", split.hsm];
    const out = join(dir, "out");
    expect((await run(UAN_K3S, ["gen-roles", "--out", out, ...sources])).code).to.equal(0);
    writeFileSync(join(dir, "subuid"), "alice:100000:65536\nbob:150000:65536\n");
    writeFileSync(join(dir, "subgid"), "alice:100000:65536\n");
    const fresh = await doctor([
      ...sources,
      "--out",
      out,
      "--subuid",
      join(dir, "subuid"),
      "--subgid",
      join(dir, "subgid"),
    ]);
    expect(fresh.checks.get("tree")).to.deep.include({ status: "pass" });
    expect(fresh.checks.get("subid")?.status).to.equal("fail");
    expect(fresh.checks.get("subid")?.detail).to.include(
      ":2: error: range 150000-215535 of bob overlaps line 1 (alice 100000-165535)",
    );
    writeFileSync(join(dir, "uan-k3s.yaml"), "sshd:\n  - name: uai\n    port: 9100\n");
    const stale = await doctor([...sources, "--out", out, "--config", join(dir, "uan-k3s.yaml")]);
    expect(stale.checks.get("tree")).to.deep.include({ status: "fail" });
    expect(stale.checks.get("tree")?.fix).to.include("uan-k3s gen-roles --out");
  });

  it("through the simulator: passes the sources check; an unreachable API fails it and skips what depends on it", async () => {
    const { sim, env } = await systemSimulator(files("seed"), "doctor-secret");
    try {
      const live = await doctor([], env);
      expect(live.checks.get("sources")).to.deep.include({ status: "pass" });
      expect(live.checks.get("sources")?.detail).to.include(sim.url);
      const down = await doctor([], {
        ...env,
        UAN_K3S_API_GATEWAY: "https://127.0.0.1:9",
        UAN_K3S_RETRIES: "0",
      });
      expect(down.code).to.equal(1);
      expect(down.checks.get("sources")?.status).to.equal("fail");
      expect(down.checks.get("sources")?.detail).to.include("cannot reach https://127.0.0.1:9");
      expect(down.checks.get("network")?.status).to.equal("skip");
      expect(down.checks.get("roles")?.status).to.equal("skip");
    } finally {
      await sim.stop();
    }
  });

  it("with no credentials still runs every check it can, showing the API checks skipped with why", async () => {
    const { code, checks } = await doctor([]);
    expect(code).to.equal(0);
    expect(checks.get("config")?.status).to.equal("pass");
    expect(checks.get("tool-git")?.status).to.equal("pass");
    expect(checks.get("sources")).to.deep.include({
      status: "skip",
      detail: "no credentials for the CSM API, and no --sls-file",
    });
    expect(checks.get("sources")?.fix).to.include("UAN_K3S_CLIENT_SECRET_FILE");
    for (const id of ["network", "k3s-subnet", "k3s-groups", "k3s-quorum", "k3s-addresses"]) {
      expect(checks.get(id), id).to.deep.include({
        status: "skip",
        detail: "SLS and HSM were not read: no credentials for the CSM API, and no --sls-file",
      });
    }
    expect(checks.get("roles")?.status).to.equal("skip");
    const text = await run(UAN_K3S, ["doctor"], { PATH: GIT_ONLY });
    expect(text.stdout).to.match(/^ {2}SKIP {2}SLS and HSM are readable$/m);
    expect(text.stdout).to.match(/^ {2}SKIP {2}The K3s groups are exclusive$/m);
  });

  it("--format json prints JSON even when the settings themselves are wrong", async () => {
    const result = await run(UAN_K3S, ["doctor", "-o", "json"], {
      PATH: GIT_ONLY,
      UAN_K3S_TIMEOUT: "soon",
      UAN_K3S_SLS_FILE: files("seed").sls,
    });
    expect(result.code).to.equal(1);
    const { checks } = JSON.parse(result.stdout) as { checks: Check[] };
    const sources = checks.find((check) => check.id === "sources");
    expect(sources).to.deep.include({ status: "fail" });
    expect(sources?.detail).to.include(
      'UAN_K3S_TIMEOUT: expected a whole number from 1 to 600, got "soon"',
    );
    expect(checks.find((check) => check.id === "k3s-quorum")?.status).to.equal("skip");
  });

  it("every fix it prints for the tree and the push works typed as it is, --force included", async () => {
    const split = files("split");
    const sources = ["--sls-file", split.sls, "--hsm-file", split.hsm];
    const { repo, git } = checkoutWithRemote();
    writeFileSync(join(repo, "k3s.yml"), "# HPE's k3s.yml, edited by hand\n");
    git("add", "k3s.yml");
    git("commit", "-qm", "HPE's k3s.yml");
    git("push", "-q", "origin", "main");

    const before = await doctor([...sources, "--out", repo]);
    const tree = before.checks.get("tree");
    expect(tree?.status).to.equal("fail");
    expect(tree?.fix).to.equal(
      `uan-k3s gen-roles --out ${repo} ${sources.join(" ")} --force   # overwrites 1 file(s) edited by hand or not written by uan-k3s`,
    );
    expect(before.checks.get("pushed")).to.deep.include({ status: "pass" });
    await typed(tree!.fix!);
    git("add", "-A");
    git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "generated");

    const after = await doctor([...sources, "--out", repo]);
    expect(after.checks.get("tree")?.status).to.equal("pass");
    const pushed = after.checks.get("pushed");
    expect(pushed).to.deep.include({ status: "warn" });
    expect(pushed?.detail).to.include("(main) is on no remote branch: CFS cannot check it out");
    expect(pushed?.fix).to.equal(`git -C ${repo} push origin main`);
    await typed(pushed!.fix!);
    expect((await doctor([...sources, "--out", repo])).checks.get("pushed")?.status).to.equal(
      "pass",
    );
  });
});
