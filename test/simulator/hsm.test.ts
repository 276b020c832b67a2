import { expect } from "chai";
import type { Simulator } from "../../simulator/server";
import { call, getToken, json, startSmall, type Answer } from "./helpers";
import { needs } from "../tools";

const HSM = "/apis/smd/hsm/v2";

describe("simulator: HSM groups", function () {
  needs(this, "openssl");
  let sim: Simulator;
  let token: string;
  const get = (path: string): Promise<Answer> => call(sim, HSM + path, { token });

  before(async () => {
    sim = await startSmall();
    token = await getToken(sim);
  });
  after(() => sim.stop());

  it("lists every group", async () => {
    const answer = await get("/groups");
    expect(answer.status).to.equal(200);
    expect(answer.headers["content-type"]).to.equal("application/json");
    expect(json(answer)).to.deep.equal(sim.state.groups);
  });

  it("filters the list by ?group=label, repeatable", async () => {
    const one = json(await get("/groups?group=k3s_agent")) as { label: string }[];
    expect(one.map((group) => group.label)).to.deep.equal(["k3s_agent"]);
    const both = json(await get("/groups?group=k3s_agent&group=K3S_SERVER")) as { label: string }[];
    expect(both.map((group) => group.label)).to.deep.equal(["k3s_server", "k3s_agent"]);
    expect(json(await get("/groups?group=none"))).to.deep.equal([]);
  });

  it("gets one group by label, in any case", async () => {
    for (const label of ["k3s_server", "K3S_Server"]) {
      const answer = await get(`/groups/${label}`);
      expect(answer.status, label).to.equal(200);
      expect(json(answer)).to.deep.equal(sim.state.groups[0]);
    }
  });

  it("answers an unknown label with HSM's 404 problem", async () => {
    const answer = await get("/groups/x");
    expect(answer.status).to.equal(404);
    expect(answer.headers["content-type"]).to.equal("application/problem+json");
    expect(json(answer)).to.deep.equal({
      type: "about:blank",
      title: "Not Found",
      detail: "No such group: x",
      status: 404,
    });
  });

  it("answers a write with 405, since the simulator's groups are read-only", async () => {
    const answer = await call(sim, `${HSM}/groups`, { method: "POST", token, body: "{}" });
    expect(answer.status).to.equal(405);
    expect(answer.headers.allow).to.equal("GET");
  });
});
