import { expect } from "chai";
import { createApiSources } from "../../csm/api-source";
import { fromDump } from "../../csm/file-source";
import { loadSystem } from "../../csm/source";
import { requestCount, seedSystem, useSimulator } from "./harness";
import { needs } from "../tools";

describe("CSM API sources", function () {
  needs(this, "openssl");
  const h = useSimulator();

  it("loads what the SLS dump and the HSM groups hold", async () => {
    const { sls, hsm } = createApiSources(h.options(), h.log);
    const system = await loadSystem(sls, hsm);
    const seed = seedSystem();
    const expected = fromDump(seed.sls);
    expect([...system.sls.networks.keys()].sort()).to.deep.equal(
      [...expected.networks.keys()].sort(),
    );
    expect(system.sls.networks.get("CAN")).to.deep.equal(expected.networks.get("CAN"));
    const xnames = (nodes: readonly { Xname: string }[]): string[] =>
      nodes.map((node) => node.Xname).sort();
    expect(xnames(system.sls.nodes)).to.deep.equal(xnames(expected.nodes));
    expect(system.groups).to.deep.equal(seed.groups);
  });

  it("asks SLS only for nodes", async () => {
    await createApiSources(h.options(), h.log).sls.load();
    const search = h.sim.requests.filter((r) => r.path === "/apis/sls/v1/search/hardware");
    expect(search.map((r) => r.query)).to.deep.equal(["type=comptype_node"]);
  });

  it("names its origins by URL", () => {
    const { sls, hsm } = createApiSources(h.options(), h.log);
    expect(sls.origin).to.equal(`${h.sim.url}/apis/sls/v1`);
    expect(hsm.origin).to.equal(`${h.sim.url}/apis/smd/hsm/v2/groups`);
  });

  it("reads the hardware search's null as no nodes", async () => {
    const hardware = h.sim.state.sls.Hardware;
    h.sim.state.sls.Hardware = {};
    try {
      const data = await createApiSources(h.options(), h.log).sls.load();
      expect(data.nodes).to.deep.equal([]);
      expect(data.networks.size).to.be.above(0);
    } finally {
      h.sim.state.sls.Hardware = hardware;
    }
  });

  it("reads an empty SLS (null for networks and nodes) as no networks and no nodes, never an error", async () => {
    const { Networks, Hardware } = h.sim.state.sls;
    h.sim.state.sls.Networks = {};
    h.sim.state.sls.Hardware = {};
    try {
      const data = await createApiSources(h.options(), h.log).sls.load();
      expect(data.networks).to.be.instanceOf(Map);
      expect(data.networks.size).to.equal(0);
      expect(data.nodes).to.deep.equal([]);
    } finally {
      Object.assign(h.sim.state.sls, { Networks, Hardware });
    }
  });

  it("validates the answers against the schema, naming the URL", async () => {
    const groups = h.sim.state.groups;
    h.sim.state.groups = [{ description: "no label" } as never];
    try {
      const error = await h.failure(createApiSources(h.options(), h.log).hsm.groups());
      expect(error.message).to.equal(
        `${h.sim.url}/apis/smd/hsm/v2/groups: /0 must have required property 'label'`,
      );
    } finally {
      h.sim.state.groups = groups;
    }
    expect(requestCount(h.sim, "/apis/smd/hsm/v2/groups")).to.equal(1);
  });
});
