import { expect } from "chai";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
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

  it("prints the same report as JSON with --format json: unverified without the Services", async () => {
    const result = await run(UAN_K3S, ["split", "--sls-file", system("seed"), "--format", "json"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.include({ status: "unverified", network: "CAN" });
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

  it("writes only the report, saying BLOCKED, when blocked (exit 3), and removes an earlier run's files", async () => {
    const dir = tempDir();
    const out = join(dir, "out");
    const ready = await run(UAN_K3S, ["split", "--sls-file", system("seed"), "--out", out]);
    expect(ready.code, ready.stderr).to.equal(0);
    expect(readdirSync(out)).to.include.members(["sls-CAN.json", "uan_helm.yml"]);
    writeFileSync(join(dir, "services.json"), servicesList("10.102.20.230"));
    const args = ["split", "--sls-file", system("seed"), "--services", join(dir, "services.json")];
    const blocked = await run(UAN_K3S, [...args, "--out", out]);
    expect(blocked.code).to.equal(3);
    expect(readdirSync(out).sort()).to.deep.equal(["report.html", "report.json", "report.md"]);
    for (const name of ["csm-ipaddresspool.yaml", "sls-CAN.json", "uan_helm.yml"]) {
      expect(blocked.stderr).to.include(`removed ${join(out, name)}: an earlier run's`);
    }
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as {
      status: string;
    };
    expect(report.status).to.equal("blocked");
    expect(readFileSync(join(out, "report.md"), "utf8")).to.include("**Status:** BLOCKED");
    expect(readFileSync(join(out, "report.html"), "utf8")).to.include("<strong>BLOCKED");
    // A fresh directory gets the same three files, and nothing is said about removing.
    const fresh = join(dir, "fresh");
    const first = await run(UAN_K3S, [...args, "--out", fresh]);
    expect(first.code).to.equal(3);
    expect(readdirSync(fresh).sort()).to.deep.equal(["report.html", "report.json", "report.md"]);
    expect(first.stderr).not.to.include("removed");
  });

  it("refuses an earlier run's file it cannot remove, writing nothing", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "services.json"), servicesList("10.102.20.230"));
    mkdirSync(join(dir, "out", "uan_helm.yml"), { recursive: true });
    const result = await run(UAN_K3S, [
      ...["split", "--sls-file", system("seed"), "--services", join(dir, "services.json")],
      ...["--out", join(dir, "out")],
    ]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include(`cannot remove ${join(dir, "out", "uan_helm.yml")}`);
    expect(readdirSync(join(dir, "out"))).to.deep.equal(["uan_helm.yml"]);
  });

  const usageErrors: [string, string[], string][] = [
    ["--yes without --apply or --restore", ["--yes"], "--yes confirms a write"],
    ["--skip-live-check without --apply", ["--skip-live-check"], "goes only with --apply"],
    [
      "--skip-live-check with --services",
      ["--apply", "--skip-live-check", "--services", "s.json"],
      "give one or the other",
    ],
    ["--skip-live-check with --kubectl", ["--apply", "--skip-live-check", "--kubectl"], "give one"],
    ["--restore taking a flag for its file", ["--restore", "--yes"], "got the flag --yes"],
    ["--restore with --apply", ["--restore", "b.json", "--apply"], "cannot go with --apply"],
  ];
  for (const [what, args, says] of usageErrors) {
    it(`refuses ${what} (exit 1), reading nothing`, async () => {
      // A gateway nothing listens on: any request would fail with another message.
      const result = await run(UAN_K3S, ["split", ...args], {
        UAN_K3S_API_GATEWAY: "https://127.0.0.1:9",
      });
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.include(says);
    });
  }

  it("says the backup file of --restore is missing, naming it", async () => {
    const missing = join(tempDir(), "sls-CAN-backup-x.json");
    const result = await run(UAN_K3S, ["split", "--restore", missing], {
      UAN_K3S_API_GATEWAY: "https://127.0.0.1:9",
    });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include(`cannot read backup ${missing}: no such file`);
  });

  it("says SLS holds no networks for a dump with null Networks", async () => {
    const file = join(tempDir(), "sls.json");
    writeFileSync(file, '{"Hardware": {}, "Networks": null}\n');
    const result = await run(UAN_K3S, ["split", "--sls-file", file]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include(`SLS holds no networks: ${file} has "Networks": null.`);
    expect(result.stderr).not.to.include("must be");
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

    /** Saved Services with one LoadBalancer IP outside the K3s half: the live check passes. */
    const services = (): string => {
      const file = join(dir, "services.json");
      writeFileSync(file, servicesList("10.102.20.200"));
      return file;
    };
    const puts = () => sim.requests.filter((r) => r.method === "PUT");

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
      const applied = await run(
        UAN_K3S,
        ["split", "--apply", "--yes", "--backup-dir", dir, "--services", services()],
        env,
      );
      expect(applied.code, applied.stderr).to.equal(0);
      expect(subnets()).to.deep.equal([
        "CAN Bootstrap DHCP Subnet 10.102.20.128/25",
        "CAN Dynamic MetalLB 10.102.20.192/27",
        "CAN Dynamic MetalLB K3s 10.102.20.224/27",
      ]);
      const backup = readdirSync(dir).find((name) => name.startsWith("sls-CAN-backup-"));
      expect(backup, readdirSync(dir).join(" ")).to.be.a("string");
      expect(applied.stdout).to.include(
        `To undo: uan-k3s split --restore ${join(dir, backup as string)} --yes`,
      );

      const again = await run(
        UAN_K3S,
        ["split", "--apply", "--yes", "--backup-dir", dir, "--services", services()],
        env,
      );
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
      const result = await run(
        UAN_K3S,
        ["split", "--apply", "--yes", "--backup-dir", dir, "--services", services()],
        { ...env, UAN_K3S_RETRIES: "1" },
      );
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include("500");
      expect(
        existsSync(dir) && readdirSync(dir).some((name) => name.startsWith("sls-CAN-backup-")),
      ).to.equal(true);
      expect(subnets()).to.have.length(2);
    });

    it("refuses --apply --yes without the live check, before reading SLS", async () => {
      const result = await run(UAN_K3S, ["split", "--apply", "--yes", "--backup-dir", dir], env);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal("");
      expect(result.stderr)
        .to.include("--apply --yes writes to SLS only after the live-address check")
        .and.include("--skip-live-check");
      expect(sim.requests).to.deep.equal([]);
      expect(readdirSync(dir)).to.deep.equal(["secret"]);
    });

    it("blocked, --apply --yes prints the BLOCKED report, exits 3 and writes nothing", async () => {
      writeFileSync(join(dir, "conflict.json"), servicesList("10.102.20.230"));
      const out = join(dir, "out");
      const result = await run(
        UAN_K3S,
        ["split", "--apply", "--yes", "--services", join(dir, "conflict.json"), "--out", out],
        env,
      );
      expect(result.code).to.equal(3);
      expect(result.stdout).to.include("Status:     BLOCKED:");
      expect(result.stdout).not.to.include("APPLIED");
      expect(readdirSync(out).sort()).to.deep.equal(["report.html", "report.json", "report.md"]);
      expect(puts()).to.deep.equal([]);
      expect(readdirSync(dir).filter((name) => name.includes("backup"))).to.deep.equal([]);
    });

    it("the dry run names the live check --apply --yes needs", async () => {
      const result = await run(UAN_K3S, ["split", "--apply", "--backup-dir", dir], env);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include("Status:     UNVERIFIED:");
      expect(result.stderr).to.include("--apply --yes and --services FILE or --kubectl");
      expect(puts()).to.deep.equal([]);
    });

    it("writes without the live check only with --skip-live-check, warning, and never says READY", async () => {
      const result = await run(
        UAN_K3S,
        ["split", "--apply", "--yes", "--skip-live-check", "--backup-dir", dir],
        env,
      );
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.include(
        "warning: writing CAN without the live-address check (--skip-live-check), which the seed marks Important",
      );
      expect(result.stdout).to.match(/^APPLIED: /);
      expect(result.stdout).to.include("Kubernetes: NOT checked (--skip-live-check)");
      expect(result.stdout).not.to.include("READY");
      expect(puts()).to.have.length(1);
      expect(subnets()).to.have.length(3);
    });

    it("after --apply --yes, stdout says what was done, the backup and the undo that works", async () => {
      const result = await run(
        UAN_K3S,
        ["split", "--apply", "--yes", "--backup-dir", dir, "--services", services()],
        env,
      );
      expect(result.code, result.stderr).to.equal(0);
      const backup = join(
        dir,
        readdirSync(dir).find((n) => n.startsWith("sls-CAN-backup-"))!,
      );
      const lines = result.stdout.split("\n");
      expect(lines[0]).to.equal(
        "APPLIED: the split is in SLS network CAN (written and read back).",
      );
      expect(lines).to.include.members([
        "Changes:",
        '  - subnet "can_metallb_k3s_address_pool" (10.102.20.224/27) added',
        '  - subnet "can_metallb_address_pool": CIDR was "10.102.20.192/26", now "10.102.20.192/27"',
        "CAN subnets before:",
        "CAN subnets now:",
        `Backup:  ${backup}`,
        `To undo: uan-k3s split --restore ${backup} --yes`,
      ]);
      expect(result.stdout, result.stdout).to.match(
        /can_metallb_k3s_address_pool +CAN Dynamic MetalLB K3s +10\.102\.20\.224\/27 +customer-access-k3s\n/,
      );
      const copied = (line: string): boolean => /^(Backup|To undo):/.test(line);
      expect(lines.filter((line) => line.length > 100 && !copied(line))).to.deep.equal([]);
      // Not the dry run's report: no status line, no next steps, no conflicts table.
      expect(result.stdout).not.to.match(/Status:|Next steps|Conflicts/);
      expect(result.stdout).not.to.include("NOT checked");

      // The undo command, typed as printed.
      const undo = lines
        .find((line) => line.startsWith("To undo: "))!
        .slice(9)
        .split(" ");
      expect(undo.slice(0, 2)).to.deep.equal(["uan-k3s", "split"]);
      const undone = await run(UAN_K3S, undo.slice(1), env);
      expect(undone.code, undone.stderr).to.equal(0);
      expect(undone.stdout).to.match(/^RESTORED: SLS network CAN is as in /);
      expect(subnets()).to.deep.equal([
        "CAN Bootstrap DHCP Subnet 10.102.20.128/25",
        "CAN Dynamic MetalLB 10.102.20.192/26",
      ]);
    });

    it("says the same as JSON with --format json, for --apply --yes and --restore", async () => {
      const applied = await run(
        UAN_K3S,
        ["split", "--apply", "--yes", "--services", services(), "--backup-dir", dir],
        env,
      );
      expect(applied.code, applied.stderr).to.equal(0);
      sim.state.sls.Networks.CAN = structuredClone(
        (JSON.parse(readFileSync(system("seed"), "utf8")) as SlsDump).Networks.CAN,
      );
      const json = await run(
        UAN_K3S,
        ["split", "--apply", "--yes", "--services", services(), "--format", "json"],
        { ...env, UAN_K3S_REFRESH: "1" },
      );
      expect(json.code, json.stderr).to.equal(0);
      const outcome = JSON.parse(json.stdout) as {
        action: string;
        backupFile: string;
        undoCommand: string;
        kubernetesChecked: boolean;
        changes: string[];
        subnets: { before: { name: string }[]; after: { name: string }[] };
      };
      expect(outcome).to.deep.include({ action: "applied", kubernetesChecked: true });
      expect(outcome.undoCommand).to.equal(`uan-k3s split --restore ${outcome.backupFile} --yes`);
      expect(outcome.changes).to.include(
        'subnet "can_metallb_k3s_address_pool" (10.102.20.224/27) added',
      );
      expect(outcome.subnets.before).to.have.length(2);
      expect(outcome.subnets.after.map((subnet) => subnet.name)).to.deep.equal([
        "bootstrap_dhcp",
        "can_metallb_address_pool",
        "can_metallb_k3s_address_pool",
      ]);

      const preview = await run(
        UAN_K3S,
        ["split", "--restore", outcome.backupFile, "--format", "json"],
        env,
      );
      expect(preview.code, preview.stderr).to.equal(0);
      expect(JSON.parse(preview.stdout)).to.deep.include({
        action: "would-restore",
        network: "CAN",
        restoredFrom: outcome.backupFile,
        backupFile: null,
        undoCommand: null,
      });
    });

    it("--restore without --yes checks the backup, shows what it would change, and writes nothing", async () => {
      const applied = await run(
        UAN_K3S,
        ["split", "--apply", "--yes", "--backup-dir", dir, "--services", services()],
        env,
      );
      expect(applied.code, applied.stderr).to.equal(0);
      const backup = join(
        dir,
        readdirSync(dir).find((n) => n.startsWith("sls-CAN-backup-"))!,
      );
      const files = readdirSync(dir).sort();
      sim.requests.length = 0;

      const preview = await run(UAN_K3S, ["split", "--restore", backup], env);
      expect(preview.code, preview.stderr).to.equal(0);
      const lines = preview.stdout.split("\n");
      expect(lines.slice(0, 2).join(" ")).to.equal(
        `DRY RUN: putting ${backup} back would change SLS network CAN as below; nothing was written.`,
      );
      expect(lines).to.include.members([
        '  - subnet "can_metallb_k3s_address_pool" (10.102.20.224/27) removed',
        '  - subnet "can_metallb_address_pool": CIDR was "10.102.20.192/27", now "10.102.20.192/26"',
        "CAN subnets would be:",
        `To write: uan-k3s split --restore ${backup} --yes`,
      ]);
      expect(puts()).to.deep.equal([]);
      expect(readdirSync(dir).sort()).to.deep.equal(files);
      expect(subnets()).to.have.length(3);

      // A backup that is not an SLS network is refused before any request.
      writeFileSync(join(dir, "bad.json"), '{"Name": "CAN", "IPRanges": []}\n');
      sim.requests.length = 0;
      const bad = await run(UAN_K3S, ["split", "--restore", join(dir, "bad.json")], env);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.include(
        `${join(dir, "bad.json")} is not a whole SLS network: it has no ExtraProperties`,
      );
      expect(sim.requests).to.deep.equal([]);
    });

    it("says SLS holds no networks when SLS is empty", async () => {
      sim.state.sls.Networks = {};
      const result = await run(UAN_K3S, ["split"], env);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include(
        `SLS holds no networks: GET ${sim.url}/apis/sls/v1/networks answered`,
      );
      expect(result.stderr).not.to.include("must be array");
    });
  });
});
