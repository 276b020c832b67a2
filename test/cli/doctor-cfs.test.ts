import { expect } from "chai";
import type { Simulator } from "../../simulator/server";
import { doctor, typed } from "./doctor-run";
import { checkoutWithRemote, SEED, systemSimulator, tempDir } from "./exec";
import { COS_LAYER, UAN_CLONE_URL } from "../cfs/fixtures";
import { needs } from "../tools";

const FIX_COMMENT = "   # shows the diff; run it again with --yes to write it";

/** The fix as it writes: the comment dropped, --yes added. */
const withYes = (fix: string): string => `${fix.replace(FIX_COMMENT, "")} --yes`;

describe("uan-k3s doctor: the CFS layer runs the pushed commit (built executable, simulator)", function () {
  needs(this, "openssl", "git");
  this.timeout(60_000);
  let sim: Simulator;
  /** SLS and HSM from files; CFS through the API: every source flag, so the fixes carry them. */
  let flags: string[];
  let repo: string;
  let head: string;

  before(async () => {
    let secretFile: string;
    ({ sim, secretFile } = await systemSimulator(SEED, "doctor-cfs-secret-41d"));
    flags = [
      ...["--sls-file", SEED.sls, "--hsm-file", SEED.hsm],
      ...["--api-gateway", sim.url, "--ca-cert", sim.caFile, "--client-secret-file", secretFile],
    ];
    const checkout = checkoutWithRemote();
    checkout.git("push", "-q", "origin", "main");
    repo = checkout.repo;
    head = checkout.git("rev-parse", "HEAD");
  });
  after(() => sim.stop());
  afterEach(() => sim.state.cfs.configurations.clear());

  const puts = () => sim.requests.filter((request) => request.method === "PUT").length;

  it("is shown skipped, saying why, without --name, without --out, without credentials or without a commit", async () => {
    const files = flags.slice(0, 4);
    const noName = (await doctor([...files, "--out", repo])).checks.get("cfs-layer");
    expect(noName).to.deep.include({
      status: "skip",
      detail: "no --name: which CFS configuration the UANs run is not known",
    });
    const noOut = (await doctor([...files, "--name", "uan-config"])).checks.get("cfs-layer");
    expect(noOut).to.deep.include({
      status: "skip",
      detail: "no --out: the layer is compared with HEAD of the generated checkout",
    });
    // SLS and HSM come from files; CFS has none, so it needs credentials all the same.
    const bare = await doctor([...files, "--out", repo, "--name", "uan-config"]);
    expect(bare.checks.get("sources")?.status).to.equal("pass");
    expect(bare.checks.get("cfs-layer")).to.deep.include({
      status: "skip",
      detail: "CFS was not read: no credentials for the CSM API",
    });
    expect(bare.checks.get("cfs-layer")?.fix).to.include("UAN_K3S_CLIENT_SECRET_FILE");
    const notGit = tempDir();
    const noCommit = await doctor([...flags, "--out", notGit, "--name", "uan-config"]);
    expect(noCommit.checks.get("cfs-layer")).to.deep.include({
      status: "skip",
      detail: `${notGit} is not a git checkout with a commit`,
    });
  });

  it("fails a name that is not plain, before any request, and still prints the checklist", async () => {
    const requests = sim.requests.length;
    const { code, checks } = await doctor([...flags, "--out", repo, "--name", "../x"]);
    expect(code).to.equal(1);
    expect(checks.get("cfs-layer")?.status).to.equal("fail");
    expect(checks.get("cfs-layer")?.detail).to.include(
      "is not a plain name: it must match ^[A-Za-z0-9][A-Za-z0-9._-]*$",
    );
    expect(sim.requests).to.have.length(requests);
  });

  it("fails for a configuration CFS lacks; the fix names --create and works typed", async () => {
    const before = await doctor([...flags, "--out", repo, "--name", "uan-config"]);
    expect(before.code).to.equal(1);
    const check = before.checks.get("cfs-layer");
    expect(check).to.deep.include({
      status: "fail",
      detail: `CFS has no configuration uan-config (${sim.url}/apis/cfs/v3/configurations/uan-config answered 404)`,
    });
    expect(check?.fix).to.equal(
      `uan-k3s cfs-layer --repo ${repo} --apply --create --name uan-config ${flags.join(" ")}${FIX_COMMENT}`,
    );
    // As printed: the dry run, which writes nothing.
    expect(await typed(check!.fix!)).to.include(`"commit": "${head}"`);
    expect(sim.state.cfs.configurations.has("uan-config")).to.equal(false);
    await typed(withYes(check!.fix!));
    const after = await doctor([...flags, "--out", repo, "--name", "uan-config"]);
    expect(after.checks.get("cfs-layer")).to.deep.include({
      status: "pass",
      detail: `uan-config /layers/0 (uan-k3s-${head.slice(0, 7)}) runs ${head.slice(0, 12)}, HEAD of ${repo}`,
    });
  });

  it("warns when the K3s layer runs another commit, or there is none; the fix typed with --yes passes, keeping the other layers", async () => {
    const other = {
      name: "k3s-old",
      // Another name of the same VCS: cfs-layer and doctor compare the repository path.
      clone_url: "https://vcs.example/vcs/cray/uan-config-management.git",
      playbook: "k3s.yml",
      commit: "b".repeat(40),
    };
    for (const [layers, detail] of [
      [
        [COS_LAYER, other],
        `uan-config /layers/1 (k3s-old) runs commit bbbbbbbbbbbb, not ${head.slice(0, 12)} (HEAD of ${repo})`,
      ],
      [
        [COS_LAYER],
        "uan-config has no layer that runs k3s.yml from /vcs/cray/uan-config-management: CFS does not set up K3s on its nodes",
      ],
    ] as const) {
      sim.state.cfs.configurations.set("uan-config", { name: "uan-config", layers: [...layers] });
      const writes = puts();
      const { checks } = await doctor([...flags, "--out", repo, "--name", "uan-config"]);
      expect(checks.get("cfs-layer")).to.deep.include({ status: "warn", detail });
      expect(puts(), "doctor only reads").to.equal(writes);
      const fix = checks.get("cfs-layer")!.fix!;
      expect(fix).to.equal(
        `uan-k3s cfs-layer --repo ${repo} --apply --name uan-config ${flags.join(" ")}${FIX_COMMENT}`,
      );
      await typed(withYes(fix));
      const stored = sim.state.cfs.configurations.get("uan-config") as {
        layers: { name: string; clone_url: string; commit: string }[];
      };
      expect(stored.layers.map((layer) => [layer.name, layer.commit])).to.deep.equal([
        ["cos", COS_LAYER.commit],
        [`uan-k3s-${head.slice(0, 7)}`, head],
      ]);
      expect(stored.layers[1].clone_url).to.equal(UAN_CLONE_URL);
      const after = await doctor([...flags, "--out", repo, "--name", "uan-config"]);
      expect(after.checks.get("cfs-layer")?.status).to.equal("pass");
    }
  });
});
