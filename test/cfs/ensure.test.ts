import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryLog } from "../../core/log";
import {
  buildLayer,
  EMPTY_BASE,
  ensureLayer,
  readBaseFile,
  type CfsBase,
  type EnsureOptions,
  type JsonObject,
} from "../../cfs";
import {
  COS_SHA,
  CSM_SHA,
  describedV2,
  describedV3,
  INVENTORY_SHA,
  k3sLayer,
  OLD_SHA,
  SHA,
  UAN_SHA,
} from "./fixtures";
import { userErrorFrom } from "../split/helpers";

const base = (configuration: JsonObject | undefined): CfsBase => ({
  configuration,
  origin: "uan-config.json",
});

describe("cfs-layer: ensuring the layer in a configuration", () => {
  let log: MemoryLog;
  let v3: EnsureOptions;
  beforeEach(() => {
    log = new MemoryLog();
    v3 = { apiVersion: "v3", log };
  });

  it("creates a configuration of the one layer from an empty base", () => {
    const plan = ensureLayer(EMPTY_BASE, k3sLayer(), v3);
    expect(plan).to.deep.include({ action: "create", index: 0, apiVersion: "v3" });
    expect(plan.body).to.deep.equal({ layers: [k3sLayer()] });
    expect(plan).not.to.have.property("replaced");
  });

  it("replaces the layer of the same repository path and playbook in place, though its host and .git differ", () => {
    const plan = ensureLayer(base(describedV3()), k3sLayer(), v3);
    expect(plan).to.deep.include({ action: "replace", index: 1 });
    expect(plan.replaced).to.deep.include({ name: "uan-k3s-89abcde", commit: OLD_SHA });
    expect(plan.body.layers.map((layer) => layer.name)).to.deep.equal([
      "csm-1.6",
      "uan-k3s-0123456",
      "uan-2.6.0",
      "cos-integration",
    ]);
    expect(plan.body.layers[1]).to.deep.equal(k3sLayer());
  });

  it("matches a clone URL with a trailing slash too", () => {
    const described = describedV3();
    (described.layers as JsonObject[])[1].clone_url =
      "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git/";
    expect(ensureLayer(base(described), k3sLayer(), v3)).to.deep.include({
      action: "replace",
      index: 1,
    });
  });

  it("appends the layer when no layer runs k3s.yml from the repository", () => {
    const described = describedV3();
    (described.layers as JsonObject[]).splice(1, 1);
    const plan = ensureLayer(base(described), k3sLayer(), v3);
    expect(plan).to.deep.include({ action: "append", index: 3 });
    expect(plan.body.layers[3]).to.deep.equal(k3sLayer());
    // The UAN site.yml layer from the same repository is another playbook: kept.
    expect(plan.body.layers[1]).to.deep.include({ name: "uan-2.6.0", playbook: "site.yml" });
  });

  it("keeps every other layer, the description and the additional inventory; drops read-only fields", () => {
    const plan = ensureLayer(base(describedV3()), k3sLayer(), v3);
    expect(plan.body).not.to.have.any.keys("name", "last_updated", "lastUpdated");
    expect(plan.body.description).to.equal("UAN nodes, CSM 1.6");
    expect(plan.body.additional_inventory).to.deep.equal({
      name: "inventory",
      clone_url: "https://api-gw-service-nmn.local/vcs/cray/inventory.git",
      commit: INVENTORY_SHA,
    });
    expect(plan.body.layers[0]).to.deep.equal({
      name: "csm-1.6",
      clone_url: "https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git",
      playbook: "site.yml",
      commit: CSM_SHA,
    });
    expect(plan.body.layers[2]).to.deep.include({
      commit: UAN_SHA,
      special_parameters: { ims_require_dkms: true },
    });
  });

  it("pins a layer CFS stored with both branch and commit to its commit, and says so", () => {
    const plan = ensureLayer(base(describedV3()), k3sLayer(), v3);
    expect(plan.body.layers[3]).to.deep.include({ commit: COS_SHA });
    expect(plan.body.layers[3]).not.to.have.property("branch");
    expect(log.warnings).to.have.length(1);
    expect(log.warnings[0]).to.equal(
      "uan-config.json: /layers/3 (cos-integration) carries both a branch and the commit CFS " +
        "resolved it to, which CFS refuses in a PUT; kept the commit (the content that runs now) " +
        "and dropped the branch",
    );
  });

  it("keeps the branch instead when asked, for CFS to resolve again", () => {
    const plan = ensureLayer(base(describedV3()), k3sLayer(), {
      ...v3,
      resolvedBranches: "branch",
    });
    expect(plan.body.layers[3]).to.deep.include({ branch: "integration" });
    expect(plan.body.layers[3]).not.to.have.property("commit");
    expect(log.warnings[0]).to.include("kept the branch");
  });

  it("writes v2 spelling from a v2 base, and from a v3 file when v2 is asked for", () => {
    const v2 = { apiVersion: "v2" as const, log };
    const fromV2 = ensureLayer(base(describedV2()), k3sLayer(), v2);
    expect(fromV2).to.deep.include({ action: "append", index: 2 });
    expect(fromV2.body).to.deep.equal({
      description: "UAN nodes, CSM 1.6",
      layers: [
        {
          name: "csm-1.6",
          cloneUrl: "https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git",
          playbook: "site.yml",
          commit: CSM_SHA,
        },
        {
          name: "uan-2.6.0",
          cloneUrl: "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
          playbook: "site.yml",
          commit: UAN_SHA,
          specialParameters: { imsRequireDkms: true },
        },
        {
          name: "uan-k3s-0123456",
          cloneUrl: "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
          playbook: "k3s.yml",
          commit: SHA,
        },
      ],
      additional_inventory: {
        cloneUrl: "https://api-gw-service-nmn.local/vcs/cray/inventory.git",
        commit: INVENTORY_SHA,
      },
    });
    const fromV3 = ensureLayer(base(describedV3()), k3sLayer(), v2);
    expect(fromV3.body.layers[1]).to.have.property("cloneUrl");
    expect(fromV3.body.layers[1]).not.to.have.property("clone_url");
  });

  it("refuses a base that spells one field both ways", () => {
    const described = describedV3();
    (described.layers as JsonObject[])[0].cloneUrl = "https://elsewhere/x.git";
    expect(userErrorFrom(() => ensureLayer(base(described), k3sLayer(), v3)).message).to.equal(
      "uan-config.json: /layers/0 has both cloneUrl and clone_url, the same field in v2 and v3 spelling",
    );
  });

  it("lists every schema failure with its JSON path before anything is written", () => {
    const described = describedV3();
    const layers = described.layers as JsonObject[];
    layers[0].commit = "abc1234";
    layers[2].color = "blue";
    delete layers[3].branch;
    delete layers[3].commit;
    const error = userErrorFrom(() => ensureLayer(base(described), k3sLayer(), v3));
    const origin = "the configuration to write (from uan-config.json)";
    expect(error.message).to.include(
      `${origin}: /layers/0/commit must match pattern "^[0-9a-f]{40}$"`,
    );
    expect(error.message).to.include(
      `${origin}: /layers/2 must NOT have additional properties ("color")`,
    );
    expect(error.message).to.include(`${origin}: /layers/3 must have required property 'commit'`);
    expect(error.hint).to.include("schemas/cfs-configuration-v3.schema.json");
  });

  it("refuses fields v2 does not have when writing v2", () => {
    const described = describedV3();
    described.tenant_name = "blue";
    const error = userErrorFrom(() =>
      ensureLayer(base(described), k3sLayer(), { apiVersion: "v2", log }),
    );
    expect(error.message).to.include('/ must NOT have additional properties ("tenant_name")');
    expect(error.hint).to.include("need API version v3");
  });

  it("keeps a tenant_name with v3: it is not read-only", () => {
    const described = describedV3();
    described.tenant_name = "blue";
    expect(ensureLayer(base(described), k3sLayer(), v3).body).to.have.property(
      "tenant_name",
      "blue",
    );
  });

  it("finds two other layers running one playbook from one repository, which CFS refuses", () => {
    const described = describedV3();
    const layers = described.layers as JsonObject[];
    layers.push({
      ...layers[0],
      name: "csm-again",
      clone_url: "https://vcs.cmn.example.com/vcs/cray/csm-config-management",
    });
    const error = userErrorFrom(() => ensureLayer(base(described), k3sLayer(), v3));
    expect(error.message).to.equal(
      "the configuration to write (from uan-config.json): /layers/4 runs site.yml from " +
        "/vcs/cray/csm-config-management again, like /layers/0",
    );
  });

  it("refuses to guess which of two K3s layers to replace", () => {
    const described = describedV3();
    const layers = described.layers as JsonObject[];
    layers.push({
      ...layers[1],
      clone_url: "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
    });
    expect(userErrorFrom(() => ensureLayer(base(described), k3sLayer(), v3)).message).to.include(
      "layers /layers/1, /layers/4 all run k3s.yml from /vcs/cray/uan-config-management; cannot tell which one to replace",
    );
  });

  it("keeps a branch layer of its own with v3", () => {
    const layer = buildLayer({ revision: { branch: "integration-2.6.0" } });
    const plan = ensureLayer(base(describedV3()), layer, v3);
    expect(plan.body.layers[1]).to.deep.equal(layer);
  });

  it("refuses a branch layer for v2 even when it was built for v3", () => {
    const layer = buildLayer({ revision: { branch: "main" } });
    expect(
      userErrorFrom(() => ensureLayer(EMPTY_BASE, layer, { apiVersion: "v2", log })).message,
    ).to.equal(
      "the layer would name branch main for CFS to resolve, but that is only done with the v3 API",
    );
  });

  it("gives the same body twice and leaves its input alone", () => {
    const described = describedV3();
    const copy = structuredClone(described);
    const first = ensureLayer(base(described), k3sLayer(), v3);
    const second = ensureLayer(base(described), k3sLayer(), v3);
    expect(JSON.stringify(first.body)).to.equal(JSON.stringify(second.body));
    expect(described).to.deep.equal(copy);
  });

  describe("reading the base from a file", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "uan-k3s-cfs-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const file = (text: string): string => {
      const path = join(dir, "config.json");
      writeFileSync(path, text);
      return path;
    };

    it("reads what cray cfs v3 configurations describe prints", () => {
      const path = file(JSON.stringify(describedV3(), null, 2));
      expect(readBaseFile(path)).to.deep.equal({ configuration: describedV3(), origin: path });
    });

    it("says where the JSON is broken", () => {
      const path = file('{\n  "layers": [,]\n}\n');
      expect(userErrorFrom(() => readBaseFile(path)).message).to.match(
        /config\.json:2:14: invalid JSON/,
      );
    });

    it("refuses a list of configurations and anything that is not a configuration", () => {
      expect(
        userErrorFrom(() => readBaseFile(file('{"configurations": [], "next": null}'))).message,
      ).to.include("holds a list of configurations, not one");
      expect(userErrorFrom(() => readBaseFile(file("[]"))).message).to.include(
        "must be a JSON object",
      );
      expect(userErrorFrom(() => readBaseFile(file('{"layers": [1]}'))).message).to.include(
        "/layers must be a list of layer objects",
      );
    });
  });
});
