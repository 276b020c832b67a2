import { expect } from "chai";
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../core/paths";
import type { HsmGroup } from "../../schemas/generated/hsm";
import type { SlsDump } from "../../schemas/generated/sls";
import { startSimulator, type Simulator } from "../../simulator/server";
import { run, tempDir, UAN_K3S } from "./exec";
import { needs } from "../tools";

const system = (name: string) => projectPath("fixtures", "systems", name, "sls.json");

/** `kubectl get services -A -o json` with one LoadBalancer IP. */
function servicesList(ip: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [
      {
        kind: "Service",
        metadata: { namespace: "user", name: "uai-alice" },
        spec: { type: "LoadBalancer" },
        status: { loadBalancer: { ingress: [{ ip }] } },
      },
    ],
  });
}

describe("uan-k3s split (built executable)", function () {
  this.timeout(60_000);

  it("reports a ready split of the seed system and writes the files with --out", async () => {
    const out = join(tempDir(), "out");
    const result = await run(UAN_K3S, ["split", "--sls-file", system("seed"), "--out", out]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include(
      "K3s range:  10.102.20.224/27: 10.102.20.225 - 10.102.20.254 (30 addresses)",
    );
    expect(result.stdout).to.include("the Kubernetes check was NOT done");
    expect(readdirSync(out).sort()).to.deep.equal([
      "csm-ipaddresspool.yaml",
      "csm-metallb-configmap.yaml",
      "report.html",
      "report.json",
      "report.md",
      "sls-CAN.json",
      "sls-CAN.orig.json",
      "uan_helm.yml",
    ]);
    const put = JSON.parse(readFileSync(join(out, "sls-CAN.json"), "utf8")) as {
      ExtraProperties: { Subnets: { FullName: string }[] };
    };
    expect(put.ExtraProperties.Subnets.map((s) => s.FullName)).to.deep.equal([
      "CAN Bootstrap DHCP Subnet",
      "CAN Dynamic MetalLB",
      "CAN Dynamic MetalLB K3s",
    ]);
  });

  it("prints the same report as JSON with --format json", async () => {
    const result = await run(UAN_K3S, ["split", "--sls-file", system("seed"), "--format", "json"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.include({ status: "ready", network: "CAN" });
  });

  it("is blocked (exit 3) by a live LoadBalancer IP in the K3s half, naming the service", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "services.json"), servicesList("10.102.20.230"));
    const result = await run(UAN_K3S, [
      "split",
      "--sls-file",
      system("seed"),
      "--services",
      join(dir, "services.json"),
    ]);
    expect(result.code).to.equal(3);
    expect(result.stdout).to.include("user/uai-alice").and.include("10.102.20.230");
    expect(result.stderr).to.include("the split is blocked by 1 conflict");
  });

  it("names the file, line and column of a malformed services file (exit 1)", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "services.json"),
      '{"kind": "List", "items": [\n  {"metadata": }\n]}\n',
    );
    const result = await run(UAN_K3S, [
      "split",
      "--sls-file",
      system("seed"),
      "--services",
      join(dir, "services.json"),
    ]);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal("");
    expect(result.stderr).to.match(/services\.json:2:16: invalid JSON: unexpected "}"/);
  });

  it("names the JSON path of a services file of the wrong shape (exit 1)", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "services.json"),
      JSON.stringify({ kind: "List", items: [{ metadata: { name: "x" } }] }),
    );
    const result = await run(UAN_K3S, [
      "split",
      "--sls-file",
      system("seed"),
      "--services",
      join(dir, "services.json"),
    ]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("/items/0/metadata must have required property 'namespace'");
  });

  it("runs kubectl for the live check with --kubectl", async () => {
    const bin = tempDir();
    writeFileSync(join(bin, "services.json"), servicesList("10.102.20.200"));
    writeFileSync(
      join(bin, "kubectl"),
      // A Node script, not sh and cat: the tests need nothing but Node on PATH.
      [
        "#!/usr/bin/env node",
        'if (process.argv.slice(2).join(" ") !== "get services -A -o json") process.exit(9);',
        `process.stdout.write(require("node:fs").readFileSync(${JSON.stringify(join(bin, "services.json"))}));`,
        "",
      ].join("\n"),
    );
    chmodSync(join(bin, "kubectl"), 0o755);
    const result = await run(
      UAN_K3S,
      ["split", "--sls-file", system("seed"), "--kubectl", "--format", "json"],
      {
        PATH: `${bin}:${process.env.PATH ?? ""}`,
      },
    );
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout) as { status: string; summary: string };
    expect(report.status).to.equal("ready");
    expect(report.summary).not.to.include("NOT");
  });

  it("says so and changes nothing when the network is already split", async () => {
    const result = await run(UAN_K3S, ["split", "--sls-file", system("split"), "--format", "json"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.include({ status: "already-split" });
  });

  it("asks for --network on pre-1.2 data, and splits with it", async () => {
    const without = await run(UAN_K3S, ["split", "--sls-file", system("pre12")]);
    expect(without.code).to.equal(1);
    expect(without.stderr).to.include("--network");
    const withNetwork = await run(UAN_K3S, [
      "split",
      "--sls-file",
      system("pre12"),
      "--network",
      "CAN",
      "--format",
      "json",
    ]);
    expect(withNetwork.code, withNetwork.stderr).to.equal(0);
    const report = JSON.parse(withNetwork.stdout) as {
      network: string;
      k3s: { cidr: string; metalLBPoolName: string };
    };
    expect(report.network).to.equal("CAN");
    // No MetalLBPoolName in pre-1.2 data: the K3s pool is named after CSM's default CAN pool.
    expect(report.k3s).to.deep.include({
      cidr: "10.103.2.192/26",
      metalLBPoolName: "customer-access-k3s",
    });
  });

  it("refuses --apply with a file source", async () => {
    const result = await run(UAN_K3S, ["split", "--sls-file", system("seed"), "--apply", "--yes"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("--apply writes to SLS through the CSM API");
  });

  describe("--apply and --restore against the CSM API simulator", function () {
    needs(this, "openssl");
    const secret = "split-secret-81c2";
    let sim: Simulator;
    let env: Record<string, string>;
    let dir: string;

    beforeEach(async () => {
      sim = await startSimulator({
        sls: JSON.parse(readFileSync(system("seed"), "utf8")) as SlsDump,
        groups: JSON.parse(
          readFileSync(projectPath("fixtures", "systems", "seed", "hsm-groups.json"), "utf8"),
        ) as HsmGroup[],
        clientSecret: secret,
      });
      dir = tempDir();
      writeFileSync(join(dir, "secret"), secret);
      env = {
        UAN_K3S_API_GATEWAY: sim.url,
        UAN_K3S_CA_CERT: sim.caFile,
        UAN_K3S_CLIENT_SECRET_FILE: join(dir, "secret"),
      };
    });
    afterEach(() => sim.stop());

    const subnets = (): string[] =>
      (sim.state.sls.Networks.CAN?.ExtraProperties?.Subnets ?? []).map(
        (subnet) => `${subnet.FullName} ${subnet.CIDR}`,
      );

    it("is a dry run without --yes: nothing is PUT", async () => {
      const result = await run(UAN_K3S, ["split", "--apply", "--backup-dir", dir], env);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.include("dry run");
      expect(sim.requests.filter((r) => r.method === "PUT")).to.deep.equal([]);
    });

    it("writes the split with --yes, keeps a backup, and --restore puts it back", async () => {
      const applied = await run(UAN_K3S, ["split", "--apply", "--yes", "--backup-dir", dir], env);
      expect(applied.code, applied.stderr).to.equal(0);
      expect(subnets()).to.deep.equal([
        "CAN Bootstrap DHCP Subnet 10.102.20.128/25",
        "CAN Dynamic MetalLB 10.102.20.192/27",
        "CAN Dynamic MetalLB K3s 10.102.20.224/27",
      ]);
      const backup = readdirSync(dir).find((name) => name.startsWith("sls-CAN-backup-"));
      expect(backup, readdirSync(dir).join(" ")).to.be.a("string");
      expect(applied.stderr).to.include("to undo: uan-k3s split --restore");

      const again = await run(UAN_K3S, ["split", "--apply", "--yes", "--backup-dir", dir], env);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stderr).to.include("already has the K3s subnet");

      const restored = await run(
        UAN_K3S,
        ["split", "--restore", join(dir, backup as string), "--yes"],
        env,
      );
      expect(restored.code, restored.stderr).to.equal(0);
      expect(subnets()).to.deep.equal([
        "CAN Bootstrap DHCP Subnet 10.102.20.128/25",
        "CAN Dynamic MetalLB 10.102.20.192/26",
      ]);
    });

    it("leaves SLS alone and says so when the PUT fails", async () => {
      sim.inject({
        path: "/apis/sls/v1/networks/CAN",
        method: "PUT",
        kind: "status",
        status: 500,
        times: Infinity,
      });
      const result = await run(UAN_K3S, ["split", "--apply", "--yes", "--backup-dir", dir], {
        ...env,
        UAN_K3S_RETRIES: "1",
      });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include("500");
      expect(
        existsSync(dir) && readdirSync(dir).some((name) => name.startsWith("sls-CAN-backup-")),
      ).to.equal(true);
      expect(subnets()).to.have.length(2);
    });
  });
});
