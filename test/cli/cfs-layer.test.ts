import { expect } from "chai";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../core/paths";
import type { HsmGroup } from "../../schemas/generated/hsm";
import type { SlsDump } from "../../schemas/generated/sls";
import { startSimulator, type Simulator } from "../../simulator/server";
import { hpeCheckout, run, tempDir, UAN_K3S } from "./exec";
import { needs } from "../tools";

const SPLIT = {
  sls: projectPath("fixtures", "systems", "split", "sls.json"),
  hsm: projectPath("fixtures", "systems", "split", "hsm-groups.json"),
};
const SHA = "0123456789abcdef0123456789abcdef01234567";
const CLONE_URL = "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git";

describe("uan-k3s cfs-layer (built executable)", function () {
  this.timeout(60_000);

  it("prints a v3 configuration with the layer, or its v2 spelling", async () => {
    const v3 = await run(UAN_K3S, ["cfs-layer", "--commit", SHA]);
    expect(v3.code, v3.stderr).to.equal(0);
    expect(JSON.parse(v3.stdout)).to.deep.equal({
      layers: [{ name: "uan-k3s-0123456", clone_url: CLONE_URL, playbook: "k3s.yml", commit: SHA }],
    });
    const v2 = await run(UAN_K3S, ["cfs-layer", "--commit", SHA, "--api", "v2"]);
    expect(JSON.parse(v2.stdout)).to.deep.equal({
      layers: [{ name: "uan-k3s-0123456", cloneUrl: CLONE_URL, playbook: "k3s.yml", commit: SHA }],
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
        { name: "uan", clone_url: CLONE_URL, playbook: "site.yml", commit: "c".repeat(40) },
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

  it("prints the sat bootprep entry", async () => {
    const result = await run(UAN_K3S, [
      "cfs-layer",
      "--commit",
      SHA,
      "--format",
      "bootprep",
      "--name",
      "uan-config",
    ]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout)
      .to.include("name: uan-config")
      .and.include("playbook: k3s.yml")
      .and.include(`commit: ${SHA}`);
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
      sim = await startSimulator({
        sls: JSON.parse(readFileSync(SPLIT.sls, "utf8")) as SlsDump,
        groups: JSON.parse(readFileSync(SPLIT.hsm, "utf8")) as HsmGroup[],
        clientSecret: secret,
      });
      const dir = tempDir();
      writeFileSync(join(dir, "secret"), secret);
      env = {
        UAN_K3S_API_GATEWAY: sim.url,
        UAN_K3S_CA_CERT: sim.caFile,
        UAN_K3S_CLIENT_SECRET_FILE: join(dir, "secret"),
      };
    });
    after(() => sim.stop());

    it("gen-roles --git-commit, then cfs-layer --repo --apply --yes stores the layer at that commit", async () => {
      const { repo } = hpeCheckout();

      const generated = await run(UAN_K3S, [
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
      expect(generated.code, generated.stderr).to.equal(0);
      const sha = generated.stdout.trim();

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
      const dryRun = await run(UAN_K3S, apply(), env);
      expect(dryRun.code, dryRun.stderr).to.equal(0);
      expect(dryRun.stdout).to.include(`"commit": "${sha}"`);
      expect(dryRun.stderr).to.include("dry run");
      expect(sim.state.cfs.configurations.has("uan-config")).to.equal(false);

      const applied = await run(UAN_K3S, apply("--yes"), env);
      expect(applied.code, applied.stderr).to.equal(0);
      const stored = sim.state.cfs.configurations.get("uan-config") as {
        layers: Record<string, unknown>[];
      };
      expect(stored.layers).to.deep.equal([
        {
          name: `uan-k3s-${sha.slice(0, 7)}`,
          clone_url: CLONE_URL,
          playbook: "k3s.yml",
          commit: sha,
        },
      ]);

      const again = await run(UAN_K3S, apply("--yes"), env);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stderr).to.include("already holds this layer");
      expect(sim.requests.filter((request) => request.method === "PUT")).to.have.length(1);
      expect(readdirSync(backups)).to.deep.equal([]);
    });
  });
});
