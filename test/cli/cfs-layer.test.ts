import { expect } from "chai";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../core/paths";
import type { Simulator } from "../../simulator/server";
import { checkoutWithRemote, hpeCheckout, run, systemSimulator, tempDir, UAN_K3S } from "./exec";
import { COS_LAYER, UAN_CLONE_URL } from "../cfs/fixtures";
import { needs } from "../tools";

const SPLIT = {
  sls: projectPath("fixtures", "systems", "split", "sls.json"),
  hsm: projectPath("fixtures", "systems", "split", "hsm-groups.json"),
};
const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("uan-k3s cfs-layer (built executable)", function () {
  this.timeout(60_000);

  it("prints a v3 configuration with the layer, or its v2 spelling", async () => {
    const v3 = await run(UAN_K3S, ["cfs-layer", "--commit", SHA]);
    expect(v3.code, v3.stderr).to.equal(0);
    expect(JSON.parse(v3.stdout)).to.deep.equal({
      layers: [
        { name: "uan-k3s-0123456", clone_url: UAN_CLONE_URL, playbook: "k3s.yml", commit: SHA },
      ],
    });
    const v2 = await run(UAN_K3S, ["cfs-layer", "--commit", SHA, "--api", "v2"]);
    expect(JSON.parse(v2.stdout)).to.deep.equal({
      layers: [
        { name: "uan-k3s-0123456", cloneUrl: UAN_CLONE_URL, playbook: "k3s.yml", commit: SHA },
      ],
    });
  });

  it("replaces the K3s layer of a base configuration in place, keeping the others", async () => {
    const dir = tempDir();
    const base = {
      name: "uan-config",
      last_updated: "2026-11-01T00:00:00Z",
      description: "UAN nodes",
      layers: [
        {
          name: "cos",
          clone_url: "https://api-gw-service-nmn.local/vcs/cray/cos-config-management.git",
          playbook: "site.yml",
          commit: "a".repeat(40),
        },
        {
          name: "old-k3s",
          clone_url: "https://vcs.example/vcs/cray/uan-config-management.git",
          playbook: "k3s.yml",
          commit: "b".repeat(40),
        },
        { name: "uan", clone_url: UAN_CLONE_URL, playbook: "site.yml", commit: "c".repeat(40) },
      ],
    };
    writeFileSync(join(dir, "base.json"), JSON.stringify(base));
    const result = await run(UAN_K3S, [
      "cfs-layer",
      "--commit",
      SHA,
      "--base-file",
      join(dir, "base.json"),
    ]);
    expect(result.code, result.stderr).to.equal(0);
    const body = JSON.parse(result.stdout) as {
      description: string;
      layers: { name: string; commit: string }[];
    };
    expect(body).not.to.have.property("name");
    expect(body).not.to.have.property("last_updated");
    expect(body.description).to.equal("UAN nodes");
    expect(body.layers.map((layer) => `${layer.name}@${layer.commit.slice(0, 1)}`)).to.deep.equal([
      "cos@a",
      "uan-k3s-0123456@0",
      "uan@c",
    ]);
  });

  it("prints the sat bootprep entry from the base configuration, its other layers kept", async () => {
    const base = join(tempDir(), "base.json");
    writeFileSync(base, JSON.stringify({ layers: [COS_LAYER] }));
    const bootprep = ["cfs-layer", "--commit", SHA, "--format", "bootprep", "--name", "uan-config"];
    const result = await run(UAN_K3S, [...bootprep, "--base-file", base]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout)
      .to.include("name: uan-config")
      .and.include("name: cos")
      .and.include("playbook: k3s.yml")
      .and.include(`commit: ${SHA}`);
    expect(result.stdout.indexOf("name: cos")).to.be.below(result.stdout.indexOf("k3s.yml"));
  });

  it("refuses bootprep without a name, or with nothing to start from", async () => {
    const noName = await run(UAN_K3S, ["cfs-layer", "--commit", SHA, "--format", "bootprep"]);
    expect(noName.code).to.equal(1);
    expect(noName.stderr).to.include("--format bootprep needs --name CONFIGURATION");
    // Without --base-file it reads the configuration from CFS: here there are no credentials.
    const noBase = await run(UAN_K3S, [
      "cfs-layer",
      "--commit",
      SHA,
      "--format",
      "bootprep",
      "--name",
      "uan-config",
    ]);
    expect(noBase.code).to.equal(1);
    expect(noBase.stderr).to.include("no credentials for the CSM API");
    expect(noBase.stdout).to.equal("");
  });

  it("refuses a --repo checkout with modified files unless --allow-dirty, as its hint says", async () => {
    const { repo } = hpeCheckout();
    writeFileSync(join(repo, "site.yml"), "- hosts: none\n");
    const refused = await run(UAN_K3S, ["cfs-layer", "--repo", repo]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include("modified file(s)").and.include("--allow-dirty");
    const allowed = await run(UAN_K3S, ["cfs-layer", "--repo", repo, "--allow-dirty"]);
    expect(allowed.code, allowed.stderr).to.equal(0);
    expect(allowed.stderr).to.include("using HEAD as it is");
    const misplaced = await run(UAN_K3S, ["cfs-layer", "--commit", SHA, "--allow-dirty"]);
    expect(misplaced.stderr).to.include("--allow-dirty goes with --repo");
  });

  describe("configuration names go into URLs only as plain names (every variant: test/cfs/base.test.ts)", () => {
    for (const [flag, name] of [
      ["--name", ".."],
      ["--name", "a/b"],
      ["--name", "x?y=1"],
      ["--base-name", ".."],
    ]) {
      it(`refuses ${flag} ${JSON.stringify(name)}, naming the allowed pattern, before any request`, async () => {
        const target = flag === "--name" ? [flag, name] : ["--name", "uan-config", flag, name];
        const result = await run(UAN_K3S, ["cfs-layer", "--commit", SHA, "--apply", ...target], {
          UAN_K3S_API_GATEWAY: "https://127.0.0.1:1",
          TOKEN: "t",
        });
        expect(result.code, result.stderr).to.equal(1);
        expect(result.stderr).to.include(
          "is not a plain name: it must match ^[A-Za-z0-9][A-Za-z0-9._-]*$",
        );
        expect(result.stderr).not.to.include("cannot reach");
      });
    }
  });

  describe("secrets over cleartext: an http:// clone URL", () => {
    const HTTP_URL = "http://vcs.local/vcs/cray/uan-config-management.git";
    it("is refused, whether git would use it or only CFS", async () => {
      for (const revision of [
        ["--commit", SHA],
        ["--branch", "integration-2.6"],
      ]) {
        const result = await run(UAN_K3S, ["cfs-layer", ...revision, "--clone-url", HTTP_URL]);
        expect(result.code, result.stderr).to.equal(1);
        expect(result.stderr).to.include(`the VCS clone URL ${HTTP_URL} is http://`);
        expect(result.stderr).to.include("--allow-http");
      }
    });

    for (const allow of [["--allow-http"], ["UAN_K3S_ALLOW_HTTP=1"], ["allow_http: true"]]) {
      it(`is used with ${allow[0]}, with a warning on every run`, async () => {
        const dir = tempDir();
        writeFileSync(join(dir, "uan-k3s.yaml"), "allow_http: true\n");
        const args = ["cfs-layer", "--commit", SHA, "--clone-url", HTTP_URL];
        const [extra, env] =
          allow[0] === "--allow-http"
            ? [["--allow-http"], {}]
            : allow[0].startsWith("UAN_")
              ? [[], { UAN_K3S_ALLOW_HTTP: "1" }]
              : [["--config", join(dir, "uan-k3s.yaml")], {}];
        for (let runs = 0; runs < 2; runs += 1) {
          const result = await run(UAN_K3S, [...args, ...extra], env);
          expect(result.code, result.stderr).to.equal(0);
          expect(result.stderr).to.include(
            `the VCS clone URL ${HTTP_URL} is http:// (--allow-http)`,
          );
        }
      });
    }

    it("never echoes a password in the clone URL, even before git runs", async () => {
      for (const url of [
        "https://crayvcs:hunter2@vcs.local/vcs/cray/uan-config-management.git",
        "http://crayvcs:hunter2@vcs.local/x.git",
        "htps://crayvcs:hunter2@vcs.local/x.git",
      ]) {
        const result = await run(UAN_K3S, ["cfs-layer", "--branch", "main", "--clone-url", url]);
        expect(result.code, result.stderr).to.equal(1);
        expect(result.stderr + result.stdout).not.to.include("hunter2");
      }
    });
  });

  it("refuses ambiguous or missing input with one clear message", async () => {
    const both = await run(UAN_K3S, ["cfs-layer", "--commit", SHA, "--branch", "integration-2.6"]);
    expect(both.code).to.equal(1);
    expect(both.stderr).to.include("give exactly one of --commit SHA, --repo DIR or --branch NAME");
    const bad = await run(UAN_K3S, ["cfs-layer", "--commit", "HEAD"]);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include("HEAD");
    const noName = await run(UAN_K3S, ["cfs-layer", "--commit", SHA, "--apply"]);
    expect(noName.code).to.equal(1);
    expect(noName.stderr).to.include("--apply needs --name CONFIGURATION");
  });

  describe("from an SLS fixture to a CFS configuration (simulator)", function () {
    needs(this, "openssl", "git");
    const secret = "cfs-secret-5d10";
    let sim: Simulator;
    let env: Record<string, string>;

    before(async () => {
      ({ sim, env } = await systemSimulator(SPLIT, secret));
    });
    after(() => sim.stop());

    /** A checkout with gen-roles' commit on branch integration-2.6, pushed to a bare remote. */
    async function generated(push: boolean): Promise<{ repo: string; sha: string }> {
      const { repo, git } = checkoutWithRemote();
      const result = await run(UAN_K3S, [
        "gen-roles",
        "--out",
        repo,
        "--git-commit",
        "--branch",
        "integration-2.6",
        "--sls-file",
        SPLIT.sls,
        "--hsm-file",
        SPLIT.hsm,
      ]);
      expect(result.code, result.stderr).to.equal(0);
      if (push) git("push", "-q", "origin", "integration-2.6");
      return { repo, sha: result.stdout.trim() };
    }

    it("gen-roles --git-commit, push, then cfs-layer --repo --apply --create --yes stores the layer at that commit", async () => {
      const { repo, sha } = await generated(true);
      const backups = tempDir();
      const apply = (...extra: string[]): string[] => [
        "cfs-layer",
        "--repo",
        repo,
        "--apply",
        ...extra,
        "--name",
        "uan-config",
        "--backup-dir",
        backups,
      ];
      const dryRun = await run(UAN_K3S, apply("--create"), env);
      expect(dryRun.code, dryRun.stderr).to.equal(0);
      expect(dryRun.stdout).to.include(`"commit": "${sha}"`);
      expect(dryRun.stderr).to.include("dry run");
      expect(sim.state.cfs.configurations.has("uan-config")).to.equal(false);

      const applied = await run(UAN_K3S, apply("--yes", "--create"), env);
      expect(applied.code, applied.stderr).to.equal(0);
      const stored = sim.state.cfs.configurations.get("uan-config") as {
        layers: Record<string, unknown>[];
      };
      expect(stored.layers).to.deep.equal([
        {
          name: `uan-k3s-${sha.slice(0, 7)}`,
          clone_url: UAN_CLONE_URL,
          playbook: "k3s.yml",
          commit: sha,
        },
      ]);

      // Once it exists, --create is not needed.
      const again = await run(UAN_K3S, apply("--yes"), env);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stderr).to.include("already holds this layer");
      expect(sim.requests.filter((request) => request.method === "PUT")).to.have.length(1);
      expect(readdirSync(backups)).to.deep.equal([]);
      sim.state.cfs.configurations.delete("uan-config");
    });

    for (const extra of [[], ["--yes"]]) {
      it(`refuses a configuration CFS does not have without --create (--apply ${extra.join(" ")})`, async () => {
        const puts = sim.requests.filter((request) => request.method === "PUT").length;
        for (const name of ["uan-confg", "UAN-config"]) {
          const result = await run(
            UAN_K3S,
            ["cfs-layer", "--commit", SHA, "--apply", "--force", ...extra, "--name", name],
            env,
          );
          expect(result.code, result.stderr).to.equal(1);
          expect(result.stderr).to.include(`CFS has no configuration ${name}`);
          expect(result.stderr).to.include("--create");
          expect(result.stdout).to.equal("");
        }
        expect(sim.requests.filter((request) => request.method === "PUT")).to.have.length(puts);
        expect([...sim.state.cfs.configurations.keys()]).to.deep.equal([]);
      });
    }

    it("refuses to apply a commit on no remote branch, unless --force (and then says so)", async () => {
      const { repo, sha } = await generated(false);
      const args = ["cfs-layer", "--repo", repo, "--apply", "--create", "--yes", "--name", "k3s"];
      const refused = await run(UAN_K3S, args, env);
      expect(refused.code, refused.stderr).to.equal(1);
      expect(refused.stderr).to.include(`commit ${sha} is on no remote-tracking branch`);
      expect(refused.stderr).to.include("--force");
      expect(sim.state.cfs.configurations.has("k3s")).to.equal(false);
      // Printing it (no --apply) only warns.
      const printed = await run(UAN_K3S, ["cfs-layer", "--repo", repo], env);
      expect(printed.code, printed.stderr).to.equal(0);
      expect(printed.stderr).to.include("push it, or CFS cannot check it out");

      const forced = await run(UAN_K3S, [...args, "--force", "--backup-dir", tempDir()], env);
      expect(forced.code, forced.stderr).to.equal(0);
      expect(forced.stderr).to.include(`commit ${sha} is on no remote-tracking branch`);
      expect(sim.state.cfs.configurations.has("k3s")).to.equal(true);
      sim.state.cfs.configurations.delete("k3s");
    });

    it("refuses to apply a raw --commit, which it cannot check is pushed, unless --force (and then says so); printing it is allowed", async () => {
      const puts = sim.requests.filter((request) => request.method === "PUT").length;
      const args = ["cfs-layer", "--commit", SHA, "--apply", "--create", "--yes", "--name", "raw"];
      const refused = await run(UAN_K3S, args, env);
      expect(refused.code, refused.stderr).to.equal(1);
      expect(refused.stderr).to.include(
        "--apply with --commit SHA: uan-k3s cannot check that the commit is pushed",
      );
      expect(refused.stderr)
        .to.include("Give --repo DIR (the checkout it was committed in)")
        .and.include("--force to apply it unchecked");
      // One message, before any request.
      expect(refused.stderr.trim().split("\n")).to.have.length(2);
      expect(sim.requests.filter((request) => request.method === "PUT")).to.have.length(puts);
      expect(sim.state.cfs.configurations.has("raw")).to.equal(false);

      const printed = await run(UAN_K3S, ["cfs-layer", "--commit", SHA, "--name", "raw"], env);
      expect(printed.code, printed.stderr).to.equal(0);
      expect(printed.stderr).not.to.include("pushed");

      const forced = await run(UAN_K3S, [...args, "--force", "--backup-dir", tempDir()], env);
      expect(forced.code, forced.stderr).to.equal(0);
      expect(forced.stderr).to.include(
        `--force: commit ${SHA} is applied without checking that it is pushed`,
      );
      const stored = sim.state.cfs.configurations.get("raw") as { layers: { commit: string }[] };
      expect(stored.layers.map((layer) => layer.commit)).to.deep.equal([SHA]);
      sim.state.cfs.configurations.delete("raw");
    });

    it("bootprep starts from the configuration in CFS, and needs --create for a new one", async () => {
      const puts = sim.requests.filter((request) => request.method === "PUT").length;
      const bootprep = ["cfs-layer", "--commit", SHA, "--format", "bootprep", "--name", "uan-bp"];
      const absent = await run(UAN_K3S, bootprep, env);
      expect(absent.code, absent.stderr).to.equal(1);
      expect(absent.stderr).to.include("CFS has no configuration uan-bp");
      const created = await run(UAN_K3S, [...bootprep, "--create"], env);
      expect(created.code, created.stderr).to.equal(0);
      expect(created.stdout).to.include("name: uan-bp").and.not.include("name: cos");

      sim.state.cfs.configurations.set("uan-bp", { name: "uan-bp", layers: [COS_LAYER] });
      const fromCfs = await run(UAN_K3S, bootprep, env);
      expect(fromCfs.code, fromCfs.stderr).to.equal(0);
      expect(fromCfs.stdout).to.include("name: cos").and.include(`commit: ${SHA}`);
      const missingBase = await run(UAN_K3S, [...bootprep, "--base-name", "nope"], env);
      expect(missingBase.code).to.equal(1);
      expect(missingBase.stderr).to.include("CFS has no configuration nope to start from");
      sim.state.cfs.configurations.delete("uan-bp");
      expect(sim.requests.filter((request) => request.method === "PUT")).to.have.length(puts);
    });
  });
});
