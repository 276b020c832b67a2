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
  // The instance is the path behind the gateway, as the real server sees it.
  const instance = path.replace(/^\/apis\/sls/, "");
  expect(problem).to.include({ type: "about: blank", instance, status });
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

    it("answers PATCH with 501 and an empty body", async () => {
      const answer = await call(sim, `${SLS}/networks/CAN`, { method: "PATCH", token, body: "{}" });
      expect(answer.status).to.equal(501);
      expect(answer.text).to.equal("");
    });

    for (const [method, path] of [
      ["DELETE", "/networks/CAN"],
      ["POST", "/networks"],
      ["PUT", "/search/networks"],
      ["DELETE", "/version"],
    ]) {
      it(`answers ${method} ${path} with a plain-text 404: no 405, no Allow`, async () => {
        const answer = await call(sim, SLS + path, { method, token });
        expect(answer.status).to.equal(404);
        expect(answer.headers["content-type"]).to.equal("text/plain; charset=utf-8");
        expect(answer.headers).not.to.have.property("allow");
        expect(answer.text).to.equal("404 page not found\n");
      });
    }

    for (const path of [
      "/networks/",
      "/networks/CAN/",
      "/search/hardware/?type=comptype_node",
      "/version/",
    ]) {
      it(`redirects ${path} with 301 to the path without its trailing slash`, async () => {
        const answer = await get(path);
        expect(answer.status).to.equal(301);
        expect(answer.headers.location).to.equal(SLS + path.replace("/?", "?").replace(/\/$/, ""));
      });
    }

    it("writes every object's keys in alphabetical order", async () => {
      for (const path of [
        "/networks",
        "/networks/CAN",
        "/dumpstate",
        "/search/networks?name=CAN",
      ]) {
        const answer = await get(path);
        expect(unsortedAt(JSON.parse(answer.text)), path).to.equal(undefined);
      }
    });
  });

  describe("PUT /networks/{name}", () => {
    const network = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      Name: "WRONG",
      FullName: "New",
      Type: "ethernet",
      IPRanges: ["10.1.0.0/24"],
      ...extra,
    });

    it("creates a network with 200, taking the name from the URL; the reply echoes the client's LastUpdated*", async () => {
      const counter = sim.state.version.Counter;
      const body = network({ LastUpdated: 1, LastUpdatedTime: "then" });
      const answer = await put("NEW", JSON.stringify(body));
      expect(answer.status).to.equal(200);
      expect(answer.headers).not.to.have.property("etag");
      expect(json(answer)).to.deep.equal({ ...body, Name: "NEW" });
      const stored = sim.state.sls.Networks.NEW as SlsNetwork;
      expect(stored).to.include({ Name: "NEW", FullName: "New", Type: "ethernet" });
      expect(stored.LastUpdated).to.be.closeTo(Date.now() / 1000, 5);
      expect(stored.LastUpdatedTime).to.match(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 \+0000$/,
      );
      expect(sim.state.version.Counter).to.equal(counter + 1);
      expect(json(await get("/networks/NEW"))).to.deep.equal(stored);
    });

    it("replaces an existing network whole with 200, with no concurrency check, and moves it last", async () => {
      const counter = sim.state.version.Counter;
      const answer = await put("CAN", JSON.stringify(network({ FullName: "Replaced" })));
      expect(answer.status).to.equal(200);
      expect(sim.state.sls.Networks.CAN).to.deep.include({ Name: "CAN", FullName: "Replaced" });
      expect(sim.state.sls.Networks.CAN).not.to.have.property("ExtraProperties");
      expect(sim.state.version.Counter).to.equal(counter + 1);
      const names = (json(await get("/networks")) as SlsNetwork[]).map((each) => each.Name);
      expect(names[names.length - 1]).to.equal("CAN");
    });

    it("drops unknown top-level keys but stores anything inside ExtraProperties, bad subnets too", async () => {
      const extra = {
        CIDR: "10.1.0.0/24",
        Mystery: { kept: true },
        Subnets: [{ Name: "bad", CIDR: "10.1.0.0/99", Gateway: "not-an-ip", Unknown: 1 }],
      };
      const answer = await put(
        "KEEP",
        JSON.stringify(network({ Extra: 1, ExtraProperties: extra })),
      );
      expect(answer.status).to.equal(200);
      expect(json(answer)).not.to.have.property("Extra");
      expect(sim.state.sls.Networks.KEEP).not.to.have.property("Extra");
      expect(sim.state.sls.Networks.KEEP?.ExtraProperties).to.deep.equal(extra);
    });

    it("bumps the version that GET /version reports, even for an identical PUT", async () => {
      for (let i = 0; i < 2; i += 1) {
        const before = json(await get("/version")) as { Counter: number; LastUpdated: string };
        expect((await put("BUMP", JSON.stringify(network()))).status).to.equal(200);
        const after = json(await get("/version")) as { Counter: number; LastUpdated: string };
        expect(after.Counter).to.equal(before.Counter + 1);
        expect(Date.parse(after.LastUpdated)).to.be.at.least(Date.parse(before.LastUpdated));
      }
    });

    for (const [what, name, body, status] of [
      ["malformed JSON", "BAD", '{"Name": "X",', 400],
      ["an array", "BAD", "[]", 400],
      ["null", "BAD", "null", 400],
      ["no Type", "BAD", JSON.stringify({ IPRanges: [] }), 400],
      ["an unknown Type", "BAD", JSON.stringify({ Type: "token-ring", IPRanges: [] }), 400],
      [
        "a name with a space",
        "BAD%20NAME",
        JSON.stringify({ Type: "ethernet", IPRanges: [] }),
        400,
      ],
      [
        "a bad IP range",
        "BAD",
        JSON.stringify({ Type: "ethernet", IPRanges: ["10.0.0.0/33"] }),
        400,
      ],
      [
        "an IP range that is not a CIDR",
        "BAD",
        JSON.stringify({ Type: "ethernet", IPRanges: ["10.0.0.1"] }),
        400,
      ],
      ["no IPRanges (a 500)", "BAD", JSON.stringify({ Type: "ethernet" }), 500],
      ["IPRanges null (a 500)", "BAD", JSON.stringify({ Type: "ethernet", IPRanges: null }), 500],
    ] as const) {
      it(`refuses ${what} with a ${status} problem and stores nothing`, async () => {
        const counter = sim.state.version.Counter;
        expectSlsProblem(await put(name, body), status, `${SLS}/networks/${name}`);
        expect(
          Object.keys(sim.state.sls.Networks).filter((key) => key.startsWith("BAD")),
        ).to.deep.equal([]);
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

    it("answers an unknown search key with 500, as the real server fails on it", async () => {
      expectSlsProblem(await get("/search/networks?nmae=CAN"), 500, `${SLS}/search/networks`);
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

    it("refuses a search with no known parameter with 400", async () => {
      for (const query of ["", "?role=Application"]) {
        expectSlsProblem(await get(`/search/hardware${query}`), 400, `${SLS}/search/hardware`);
      }
    });

    it("ignores unknown keys beside known ones", async () => {
      const answer = await get(
        "/search/hardware?type=comptype_node&role=Nonsense&extra_properties.Role=Application",
      );
      expect((json(answer) as { Xname: string }[]).map((hw) => hw.Xname)).to.deep.equal([
        "x3000c0s27b0n0",
      ]);
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
      const body = JSON.stringify({ Type: "ethernet", IPRanges: [] });
      await call(sim, `${SLS}/networks/CAN`, { method: "PUT", token, body });
      expect(sim.state.sls.Networks.CAN).not.to.have.property("FullName");
      expect(system.sls.Networks.CAN).to.have.property("FullName", "Customer Access Network");
      expect(sim.state.version.Counter).to.equal(1);
    } finally {
      await sim.stop();
    }
  });
});

describe("simulator: an SLS that holds nothing", function () {
  needs(this, "openssl");
  it("answers null, not [], for its networks and its hardware", async () => {
    const sim = await startSimulator({ sls: { Networks: {} }, groups: [], clientSecret: SECRET });
    try {
      const token = await getToken(sim);
      for (const path of ["/networks", "/hardware"]) {
        const answer = await call(sim, SLS + path, { token });
        expect(answer.status).to.equal(200);
        expect(answer.text).to.equal("null");
      }
    } finally {
      await sim.stop();
    }
  });
});

/** The JSON path of the first object in `value` whose keys are out of order, if any. */
function unsortedAt(value: unknown, path = ""): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  const keys = entries.map(([key]) => key);
  if (!Array.isArray(value) && keys.some((key, i) => i > 0 && keys[i - 1] > key))
    return path || "/";
  for (const [key, item] of entries) {
    const found = unsortedAt(item, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
