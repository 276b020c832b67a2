import { expect } from "chai";
import { inspect } from "node:util";
import { UserError } from "../../core/errors";
import {
  buildLayer,
  CFS_LAYER_DEFAULTS,
  layerInSpelling,
  normalizeCommit,
  repoPath,
} from "../../cfs";
import { userErrorFrom } from "../split/helpers";
import { SHA } from "./fixtures";

describe("cfs-layer: building the layer", () => {
  it("defaults to the UAN repository, k3s.yml and uan-k3s-<short sha>", () => {
    expect(buildLayer({ revision: { commit: SHA } })).to.deep.equal({
      name: "uan-k3s-0123456",
      clone_url: "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
      playbook: "k3s.yml",
      commit: SHA,
    });
    expect(CFS_LAYER_DEFAULTS.apiVersion).to.equal("v3");
  });

  it("takes an explicit name of up to 45 characters and refuses a longer one", () => {
    const name = "k".repeat(45);
    expect(buildLayer({ revision: { commit: SHA }, name }).name).to.equal(name);
    expect(() => buildLayer({ revision: { commit: SHA }, name: `${name}x` }))
      .to.throw(UserError, "has 46 characters; CFS takes 1 to 45")
      .with.property("hint")
      .that.includes("--name");
    expect(() => buildLayer({ revision: { commit: SHA }, name: "" })).to.throw(UserError);
  });

  it("lower-cases a full SHA and refuses a short or non-hex one, with the git command to get it", () => {
    expect(normalizeCommit(SHA.toUpperCase())).to.equal(SHA);
    expect(() => normalizeCommit("0123456"))
      .to.throw(UserError, "not a full 40-hex-digit SHA")
      .with.property("hint")
      .that.includes("git rev-parse 0123456");
    expect(() => normalizeCommit(`${SHA.slice(1)}g`)).to.throw(UserError, "not a full");
  });

  it("spells fields for v3 (snake_case) and v2 (camelCase)", () => {
    const layer = buildLayer({ revision: { commit: SHA }, imsRequireDkms: true });
    expect(layerInSpelling(layer, "v3")).to.deep.equal({
      name: "uan-k3s-0123456",
      clone_url: CFS_LAYER_DEFAULTS.cloneUrl,
      playbook: "k3s.yml",
      commit: SHA,
      special_parameters: { ims_require_dkms: true },
    });
    expect(layerInSpelling(layer, "v2")).to.deep.equal({
      name: "uan-k3s-0123456",
      cloneUrl: CFS_LAYER_DEFAULTS.cloneUrl,
      playbook: "k3s.yml",
      commit: SHA,
      specialParameters: { imsRequireDkms: true },
    });
  });

  it("keeps a branch for CFS to resolve with v3, named after the branch, and refuses it with v2", () => {
    const layer = buildLayer({ revision: { branch: "integration-2.6.0" } });
    expect(layer).to.deep.include({
      name: "uan-k3s-integration-2.6.0",
      branch: "integration-2.6.0",
    });
    expect(layer).not.to.have.property("commit");
    expect(() => buildLayer({ revision: { branch: "integration-2.6.0" }, apiVersion: "v2" }))
      .to.throw(UserError, "only done with the v3 API")
      .with.property("hint")
      .that.includes("--keep-branch");
  });

  it("cuts a long branch's default name to 45 characters", () => {
    const layer = buildLayer({ revision: { branch: `feature/${"x".repeat(60)}` } });
    expect(layer.name).to.have.length(45);
    expect(layer.name).to.match(/^uan-k3s-feature-x+$/);
  });

  it("refuses branch names git refuses or that look like options", () => {
    for (const branch of ["-x", "a..b", "a b", "a;b", "a/", "x.lock", "a:b"]) {
      expect(() => buildLayer({ revision: { branch } }), branch).to.throw(UserError, "branch name");
    }
  });

  it("refuses a clone URL with credentials without repeating them", () => {
    const error = userErrorFrom(() =>
      buildLayer({
        revision: { commit: SHA },
        cloneUrl:
          "https://crayvcs:hunter2@api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
      }),
    );
    expect(error.message).to.include("holds credentials");
    expect(inspect(error, { showHidden: true })).not.to.include("hunter2");
  });

  it("refuses a clone URL or playbook CFS would refuse", () => {
    expect(() => buildLayer({ revision: { commit: SHA }, cloneUrl: "ext::sh -c x" })).to.throw(
      UserError,
      "is not an https",
    );
    expect(() => buildLayer({ revision: { commit: SHA }, playbook: "k3s.yml;rm" })).to.throw(
      UserError,
      "playbook",
    );
  });

  it("names a repository by its URL path, host, .git and trailing slash aside", () => {
    const path = "/vcs/cray/uan-config-management";
    expect(repoPath(CFS_LAYER_DEFAULTS.cloneUrl)).to.equal(path);
    expect(repoPath("https://vcs.cmn.example.com/vcs/cray/uan-config-management/")).to.equal(path);
    expect(repoPath("http://10.92.100.71:8080/vcs/cray/uan-config-management")).to.equal(path);
    expect(repoPath("git@vcs:vcs/cray/uan-config-management.git")).to.equal(path);
    expect(repoPath("https://h/vcs/cray/cos-config-management.git")).not.to.equal(path);
  });
});
