import { expect } from "chai";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SlsDump, SlsNetwork, SlsSubnet } from "../../schemas/generated/sls";
import { planSplit } from "../../split";
import { run, SEED, tempDir, UAN_K3S } from "./exec";

/** The seed dump with `change` applied, written to a fresh directory. */
function seedWith(change: (dump: SlsDump) => void): { dir: string; sls: string } {
  const dump = JSON.parse(readFileSync(SEED.sls, "utf8")) as SlsDump;
  change(dump);
  const dir = tempDir();
  const sls = join(dir, "sls.json");
  writeFileSync(sls, JSON.stringify(dump));
  return { dir, sls };
}

function subnets(dump: SlsDump, net: string): SlsSubnet[] {
  return dump.Networks[net]?.ExtraProperties?.Subnets as SlsSubnet[];
}

describe("uan-k3s split on data that must not be planned, as a user runs it", () => {
  for (const cidr of ["0.0.0.0/0", "128.0.0.0/1", "10.102.21.0/26"]) {
    it(`exits 1 on a Dynamic MetalLB of ${cidr}, naming both CIDRs, writing nothing`, async () => {
      const { dir, sls } = seedWith((dump) => {
        const dynamic = subnets(dump, "CAN").find((s) => s.FullName === "CAN Dynamic MetalLB");
        if (dynamic !== undefined) dynamic.CIDR = cidr;
      });
      const out = join(dir, "out");
      const result = await run(UAN_K3S, ["split", "--sls-file", sls, "--out", out]);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.include(
        `CAN subnet "CAN Dynamic MetalLB" has CIDR ${cidr}, which is not inside the CAN network's CIDR 10.102.20.128/25`,
      );
      expect(existsSync(out)).to.equal(false);
    });
  }

  for (const [flag, value] of [
    ["--k3s-name", "can_k3s\nInjected"],
    ["--k3s-pool-name", "; rm -rf /"],
    ["--k3s-full-name", "CAN K3s\u001b[2J"],
  ]) {
    it(`exits 1 on ${flag} ${JSON.stringify(value)}, shown escaped`, async () => {
      const result = await run(UAN_K3S, ["split", "--sls-file", SEED.sls, flag, value]);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include(`${flag} ${JSON.stringify(value)} is not a subnet`);
      expect(result.stderr).not.to.include("\u001b");
    });
  }

  it("is blocked (exit 3) by a CMN reservation inside the K3s half, naming CMN", async () => {
    const { sls } = seedWith((dump) => {
      const cmn = subnets(dump, "CMN");
      cmn.push({
        Name: "stray",
        FullName: "CMN Stray",
        CIDR: "10.102.20.0/25",
        VlanID: 7,
        IPReservations: [{ Name: "vip", IPAddress: "10.102.20.240" }],
      });
    });
    const result = await run(UAN_K3S, ["split", "--sls-file", sls, "--format", "json"]);
    expect(result.code).to.equal(3);
    const report = JSON.parse(result.stdout) as { conflicts: { subject: string }[] };
    expect(report.conflicts.map((c) => c.subject)).to.deep.equal(["CMN/stray/vip"]);
  });

  it("takes --k3s-full-name's default from sls_can_metallb_fullname in uan-k3s.yaml", async () => {
    const { dir } = seedWith(() => undefined);
    const config = join(dir, "uan-k3s.yaml");
    writeFileSync(config, `sls_file: ${SEED.sls}\nsls_can_metallb_fullname: UAI Pool\n`);
    const result = await run(UAN_K3S, ["split", "--config", config, "--format", "json"]);
    const report = JSON.parse(result.stdout) as { k3s: { fullName: string } };
    expect(report.k3s.fullName).to.equal("UAI Pool");
  });
});

describe("a K3s subnet split under --k3s-full-name, found again by every command", () => {
  /** The seed dump after `split --k3s-full-name "UAI Pool" ...`. */
  function splitSeed(): { dir: string; sls: string } {
    const plan = planSplit(
      new Map(
        Object.entries((JSON.parse(readFileSync(SEED.sls, "utf8")) as SlsDump).Networks).map(
          ([name, network]) => [name, network as SlsNetwork],
        ),
      ),
      { k3sFullName: "UAI Pool", k3sName: "can_uai_pool", k3sPoolName: "uai-k3s" },
    );
    if (plan.kind !== "split") throw new Error("expected a split");
    return seedWith((dump) => {
      dump.Networks.CAN = plan.networkAfter;
    });
  }

  it("a second split reports it already split, with exit 0 and nothing to apply", async () => {
    const { sls } = splitSeed();
    const result = await run(UAN_K3S, ["split", "--sls-file", sls, "--format", "json"]);
    expect(result.code).to.equal(0);
    const report = JSON.parse(result.stdout) as { status: string; k3s: { fullName: string } };
    expect(report).to.deep.include({ status: "already-split" });
    expect(report.k3s.fullName).to.equal("UAI Pool");
  });

  it("gen-roles writes its range into vars/uan_helm.yml and says where it came from (--verbose)", async () => {
    const { dir, sls } = splitSeed();
    const out = join(dir, "roles");
    const result = await run(UAN_K3S, ["gen-roles", "--sls-file", sls, "--out", out, "--verbose"]);
    expect(result.code, result.stderr).to.equal(0);
    const helm = readFileSync(join(out, "vars", "uan_helm.yml"), "utf8");
    expect(helm).to.include("metallb_ipaddresspool_range_start: 10.102.20.225");
    expect(helm).to.include("metallb_ipaddresspool_range_end: 10.102.20.254");
    expect(result.stderr).to.include('CAN subnet "UAI Pool" (10.102.20.224/27)');
    expect(result.stderr).to.include('set sls_can_metallb_fullname to "UAI Pool"');
  });
});
