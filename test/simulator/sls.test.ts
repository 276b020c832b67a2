import { expect } from "chai";
import type { SlsNetwork } from "../../schemas/generated/sls";
import { startSimulator, type Simulator } from "../../simulator/server";
import { call, getToken, json, SECRET, smallSystem, startSmall, type Answer } from "./helpers";
import { needs } from "../tools";

const SLS = "/apis/sls/v1";

function expectSlsProblem(answer: Answer, status: number, path: string): void {
  expect(answer.status).to.equal(status);
  expect(answer.headers["content-type"]).to.equal("application/problem+json");
  const problem = json(answer) as Record<string, unknown>;
  expect(problem).to.have.all.keys("type", "title", "detail", "instance", "status");
  expect(problem).to.include({ type: "about: blank", instance: path, status });
  expect(problem.title).to.be.a("string").with.length.greaterThan(0);
  expect(problem.detail).to.be.a("string").with.length.greaterThan(0);
}

describe("simulator: SLS", function () {
  needs(this, "openssl");
  let sim: Simulator;
  let token: string;
  const get = (path: string): Promise<Answer> => call(sim, SLS + path, { token });
  const put = (name: string, body: string): Promise<Answer> =>
    call(sim, `${SLS}/networks/${name}`, {
      method: "PUT",
      token,
      body,
      headers: { "content-type": "application/json" },
    });

  before(async () => {
    sim = await startSmall();
    token = await getToken(sim);
  });
  after(() => sim.stop());

  describe("networks", () => {
    it("lists every network", async () => {
      const answer = await get("/networks");
      expect(answer.status).to.equal(200);
      expect(answer.headers["content-type"]).to.equal("application/json");
      expect(json(answer)).to.deep.equal(Object.values(sim.state.sls.Networks));
    });

    it("gets one network by its exact name", async () => {
      const answer = await get("/networks/CAN");
      expect(answer.status).to.equal(200);
      expect(json(answer)).to.deep.equal(sim.state.sls.Networks.CAN);
    });

    it("is case-sensitive: 'can' is a 404 problem", async () => {
      expectSlsProblem(await get("/networks/can"), 404, `${SLS}/networks/can`);
    });

    it("does not take inherited names for networks", async () => {
      expectSlsProblem(await get("/networks/constructor"), 404, `${SLS}/networks/constructor`);
    });

    it("answers PATCH with 501 Not Implemented", async () => {
      const answer = await call(sim, `${SLS}/networks/CAN`, { method: "PATCH", token, body: "{}" });
      expectSlsProblem(answer, 501, `${SLS}/networks/CAN`);
    });

    it("answers another method with 405 and says which are allowed", async () => {
      const answer = await call(sim, `${SLS}/networks/CAN`, { method: "DELETE", token });
      expect(answer.status).to.equal(405);
      expect(answer.headers.allow).to.equal("GET, PUT, PATCH");
    });
  });

  describe("PUT /networks/{name}", () => {
    it("creates a network with 200, taking the name from the URL and stamping LastUpdated*", async () => {
      const counter = sim.state.version.Counter;
      const body = {
        Name: "WRONG",
        FullName: "New",
        Type: "ethernet",
        LastUpdated: 1,
        LastUpdatedTime: "then",
      };
      const answer = await put("NEW", JSON.stringify(body));
      expect(answer.status).to.equal(200);
      expect(answer.headers).not.to.have.property("etag");
      const stored = sim.state.sls.Networks.NEW as SlsNetwork;
      expect(json(answer)).to.deep.equal(stored);
      expect(stored).to.include({ Name: "NEW", FullName: "New", Type: "ethernet" });
      expect(stored.LastUpdated).to.be.closeTo(Date.now() / 1000, 5);
      expect(stored.LastUpdatedTime).to.match(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 \+0000$/,
      );
      expect(sim.state.version.Counter).to.equal(counter + 1);
      expect(json(await get("/networks/NEW"))).to.deep.equal(stored);
    });

    it("replaces an existing network whole with 200, with no concurrency check", async () => {
      const counter = sim.state.version.Counter;
      const answer = await put("CAN", JSON.stringify({ FullName: "Replaced", IPRanges: [] }));
      expect(answer.status).to.equal(200);
      expect(sim.state.sls.Networks.CAN).to.deep.include({
        Name: "CAN",
        FullName: "Replaced",
        IPRanges: [],
      });
      expect(sim.state.sls.Networks.CAN).not.to.have.property("ExtraProperties");
      expect(sim.state.version.Counter).to.equal(counter + 1);
    });

    it("bumps the version that GET /version reports", async () => {
      const before = json(await get("/version")) as { Counter: number; LastUpdated: string };
      await put("BUMP", "{}");
      const after = json(await get("/version")) as { Counter: number; LastUpdated: string };
      expect(after.Counter).to.equal(before.Counter + 1);
      expect(Date.parse(after.LastUpdated)).to.be.at.least(Date.parse(before.LastUpdated));
      expect(after).to.deep.equal(sim.state.version);
    });

    for (const [what, body] of [
      ["malformed JSON", '{"Name": "X",'],
      ["an array", "[]"],
      ["null", "null"],
    ]) {
      it(`refuses ${what} with a 400 problem and stores nothing`, async () => {
        const counter = sim.state.version.Counter;
        expectSlsProblem(await put("BAD", body), 400, `${SLS}/networks/BAD`);
        expect(sim.state.sls.Networks).not.to.have.property("BAD");
        expect(sim.state.version.Counter).to.equal(counter);
      });
    }
  });

  describe("search/networks", () => {
    it("finds a network by name, as an array", async () => {
      const answer = await get("/search/networks?name=BICAN");
      expect(answer.status).to.equal(200);
      expect(json(answer)).to.deep.equal([sim.state.sls.Networks.BICAN]);
    });

    it("answers 404, not [], when nothing matches", async () => {
      expectSlsProblem(await get("/search/networks?name=bican"), 404, `${SLS}/search/networks`);
    });

    it("refuses an unknown search key with 400", async () => {
      expectSlsProblem(await get("/search/networks?nmae=CAN"), 400, `${SLS}/search/networks`);
    });
  });

  describe("hardware", () => {
    it("lists all hardware", async () => {
      const answer = await get("/hardware");
      expect(answer.status).to.equal(200);
      expect(json(answer)).to.deep.equal(Object.values(sim.state.sls.Hardware ?? {}));
    });

    it("finds the UANs by type, Role and SubRole", async () => {
      const answer = await get(
        "/search/hardware?type=comptype_node&extra_properties.Role=Application&extra_properties.SubRole=UAN",
      );
      expect(answer.status).to.equal(200);
      expect(json(answer)).to.deep.equal([sim.state.sls.Hardware?.x3000c0s27b0n0]);
    });

    it("matches one element of a list property and a numeric property by its text", async () => {
      const byAlias = json(await get("/search/hardware?extra_properties.Aliases=uan01")) as {
        Xname: string;
      }[];
      expect(byAlias.map((hw) => hw.Xname)).to.deep.equal(["x3000c0s27b0n0"]);
      const byNid = json(await get("/search/hardware?extra_properties.NID=1")) as {
        Xname: string;
      }[];
      expect(byNid.map((hw) => hw.Xname)).to.deep.equal(["x1000c0s0b0n0"]);
    });

    it("answers 200 with a body of null, not [], when nothing matches", async () => {
      const answer = await get("/search/hardware?extra_properties.SubRole=Gateway");
      expect(answer.status).to.equal(200);
      expect(answer.headers["content-type"]).to.equal("application/json");
      expect(answer.text).to.equal("null");
    });

    it("refuses an unknown search key with 400", async () => {
      expectSlsProblem(
        await get("/search/hardware?role=Application"),
        400,
        `${SLS}/search/hardware`,
      );
    });
  });

  describe("dumpstate and version", () => {
    it("dumps Hardware and Networks keyed by xname and name", async () => {
      const answer = await get("/dumpstate");
      expect(answer.status).to.equal(200);
      expect(json(answer)).to.deep.equal({
        Hardware: sim.state.sls.Hardware,
        Networks: sim.state.sls.Networks,
      });
    });

    it("reports the version counter and when it last changed", async () => {
      const version = json(await get("/version")) as Record<string, unknown>;
      expect(version).to.have.all.keys("Counter", "LastUpdated");
      expect(version.Counter).to.be.a("number");
      expect(new Date(version.LastUpdated as string).toISOString()).to.equal(version.LastUpdated);
    });
  });

  it("answers an unknown SLS path with 404", async () => {
    expect((await get("/nothing")).status).to.equal(404);
  });
});

describe("simulator: state", function () {
  needs(this, "openssl");
  it("works on a copy of the given system, so a fixture survives writes", async () => {
    const system = smallSystem();
    const sim = await startSimulator({ ...system, clientSecret: SECRET });
    try {
      const token = await getToken(sim);
      await call(sim, `${SLS}/networks/CAN`, { method: "PUT", token, body: "{}" });
      expect(sim.state.sls.Networks.CAN).not.to.have.property("FullName");
      expect(system.sls.Networks.CAN).to.have.property("FullName", "Customer Access Network");
      expect(sim.state.version.Counter).to.equal(1);
    } finally {
      await sim.stop();
    }
  });
});
