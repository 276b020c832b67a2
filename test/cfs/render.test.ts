import { expect } from "chai";
import { parse } from "yaml";
import { UserError } from "../../core/errors";
import { MemoryLog } from "../../core/log";
import {
  bootprepYaml,
  buildLayer,
  configurationJson,
  describeEnsurePlan,
  diffConfigurations,
  ensureLayer,
  type JsonObject,
} from "../../cfs";
import { describedV2, describedV3, k3sLayer, SHA } from "./fixtures";

const planned = (): object =>
  ensureLayer({ configuration: describedV3(), origin: "f" }, k3sLayer(), {
    apiVersion: "v3",
    log: new MemoryLog(),
  }).body;

describe("cfs-layer: output", () => {
  describe("configuration JSON", () => {
    it("has 2-space indentation, a fixed key order and a trailing newline, whatever the input order", () => {
      const scrambled = {
        layers: [
          {
            commit: SHA,
            playbook: "k3s.yml",
            clone_url: "https://h/r.git",
            name: "n",
            zeta: 1,
            alpha: 2,
          },
        ],
        description: "d",
      };
      expect(configurationJson(scrambled)).to.equal(
        [
          "{",
          '  "description": "d",',
          '  "layers": [',
          "    {",
          '      "name": "n",',
          '      "clone_url": "https://h/r.git",',
          '      "playbook": "k3s.yml",',
          `      "commit": "${SHA}",`,
          '      "alpha": 2,',
          '      "zeta": 1',
          "    }",
          "  ]",
          "}",
          "",
        ].join("\n"),
      );
    });

    it("gives the same bytes for the same configuration", () => {
      expect(configurationJson(planned())).to.equal(configurationJson(planned()));
      expect(JSON.parse(configurationJson(planned()))).to.deep.equal(planned());
    });
  });

  describe("sat bootprep", () => {
    it("writes the configurations: entry with git layers and the additional inventory", () => {
      const yaml = bootprepYaml("uan-config-2.6.0", planned());
      expect(yaml).to.include(
        [
          "configurations:",
          "- name: uan-config-2.6.0",
          "  description: UAN nodes, CSM 1.6",
          "  layers:",
          "  - name: csm-1.6",
          "    playbook: site.yml",
          "    git:",
          "      url: https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git",
          '      commit: "1111111111111111111111111111111111111111"',
          "  - name: uan-k3s-0123456",
          "    playbook: k3s.yml",
          "    git:",
          "      url: https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
          `      commit: ${SHA}`,
          "",
        ].join("\n"),
      );
      const entry = (parse(yaml) as { configurations: JsonObject[] }).configurations[0];
      expect((entry.layers as JsonObject[])[2]).to.deep.equal({
        name: "uan-2.6.0",
        playbook: "site.yml",
        git: {
          url: "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
          commit: "2222222222222222222222222222222222222222",
        },
        special_parameters: { ims_require_dkms: true },
      });
      expect(entry.additional_inventory).to.deep.equal({
        name: "inventory",
        url: "https://api-gw-service-nmn.local/vcs/cray/inventory.git",
        commit: "4444444444444444444444444444444444444444",
      });
    });

    it("writes a branch layer as git.branch, from v2 spelling too", () => {
      const layer = buildLayer({ revision: { branch: "integration-2.6.0" } });
      const yaml = bootprepYaml("c", { layers: [layer] });
      expect(parse(yaml)).to.deep.equal({
        configurations: [
          {
            name: "c",
            layers: [
              {
                name: "uan-k3s-integration-2.6.0",
                playbook: "k3s.yml",
                git: {
                  url: "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
                  branch: "integration-2.6.0",
                },
              },
            ],
          },
        ],
      });
      const fromV2 = parse(bootprepYaml("c", describedV2())) as { configurations: JsonObject[] };
      expect((fromV2.configurations[0].layers as JsonObject[])[1]).to.have.nested.property(
        "git.url",
        "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git",
      );
    });

    it("quotes what PyYAML would read as something else than a string", () => {
      const yaml = bootprepYaml("yes", {
        description: "on",
        layers: [{ clone_url: "https://h/r.git", playbook: "0644", branch: "no" }],
      });
      expect(yaml).to.include('- name: "yes"').and.include('description: "on"');
      expect(yaml).to.include('playbook: "0644"').and.include('branch: "no"');
    });

    it("refuses what the bootprep schema cannot say instead of dropping it", () => {
      const refused = (configuration: object, what: string): void => {
        expect(() => bootprepYaml("c", configuration))
          .to.throw(UserError, what)
          .with.property("hint")
          .that.includes("configuration JSON");
      };
      refused(
        { layers: [{ source: "uan", playbook: "k3s.yml", commit: SHA }] },
        "source layer at a commit",
      );
      refused({ tenant_name: "blue", layers: [] }, "tenant_name");
      refused(
        { layers: [], additional_inventory: { source: "inv" } },
        "inventory from a CFS source",
      );
      refused(
        { layers: [{ clone_url: "https://h/r.git", playbook: "k3s.yml" }] },
        "neither commit nor branch",
      );
      expect(
        parse(
          bootprepYaml("c", { layers: [{ source: "uan", playbook: "k3s.yml", branch: "main" }] }),
        ),
      ).to.have.nested.property("configurations[0].layers[0].source", "uan");
    });
  });

  describe("summary", () => {
    it("says in one line what the plan does", () => {
      const log = new MemoryLog();
      const plan = (configuration: JsonObject | undefined, layer = k3sLayer()) =>
        ensureLayer({ configuration, origin: "f" }, layer, { apiVersion: "v3", log });
      expect(describeEnsurePlan(plan(describedV3()), "c")).to.equal(
        "replaces /layers/1 (uan-k3s-89abcde) of CFS configuration c with layer uan-k3s-0123456 " +
          `(k3s.yml at commit ${SHA})`,
      );
      expect(describeEnsurePlan(plan(describedV2()), "c")).to.match(
        /^appends layer uan-k3s-0123456 .* as \/layers\/2$/,
      );
      const branch = buildLayer({ revision: { branch: "main" } });
      expect(describeEnsurePlan(plan(undefined, branch), "c")).to.equal(
        "creates CFS configuration c with layer uan-k3s-main (k3s.yml at branch main)",
      );
    });
  });

  describe("diff", () => {
    it("shows the changed lines, leaving the read-only fields out", () => {
      const diff = diffConfigurations(describedV3(), planned(), "uan-config-2.6.0");
      expect(diff).to.match(
        /^--- a\/uan-config-2\.6\.0\.json\n\+\+\+ b\/uan-config-2\.6\.0\.json\n@@ /,
      );
      expect(diff).to.include('-      "commit": "89abcdef0123456789abcdef0123456789abcdef"\n');
      expect(diff).to.include(`+      "commit": "${SHA}"\n`);
      expect(diff).to.include('-      "branch": "integration"\n');
      expect(diff).not.to.include("last_updated");
      expect(diff).not.to.match(/^[-+] {2}"name"/m);
    });

    it("diffs from /dev/null when the configuration does not exist, and is empty when nothing changes", () => {
      expect(diffConfigurations(undefined, { layers: [] })).to.match(
        /^--- \/dev\/null\n\+\+\+ b\/configuration\.json\n/,
      );
      const stored = {
        ...planned(),
        name: "uan-config-2.6.0",
        last_updated: "2025-04-17T12:10:43Z",
      };
      expect(diffConfigurations(stored, planned())).to.equal("");
    });
  });
});
