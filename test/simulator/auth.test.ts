import { expect } from "chai";
import type { Simulator } from "../../simulator/server";
import { call, getToken, json, SECRET, startSmall, tokenRequest } from "./helpers";
import { needs } from "../tools";

const NETWORKS = "/apis/sls/v1/networks";

describe("simulator: Keycloak tokens and the gateway's check", function () {
  needs(this, "openssl");
  let sim: Simulator;
  before(async () => {
    sim = await startSmall({ clientId: "admin-client", tokenLifetimeSeconds: 120 });
  });
  after(() => sim.stop());

  it("issues an opaque bearer token for the right client id and secret", async () => {
    const before = sim.tokensIssued();
    const answer = await tokenRequest(sim, {
      grant_type: "client_credentials",
      client_id: "admin-client",
      client_secret: SECRET,
    });
    expect(answer.status).to.equal(200);
    expect(answer.headers["content-type"]).to.equal("application/json");
    const body = json(answer) as Record<string, unknown>;
    expect(body).to.include({
      expires_in: 120,
      refresh_expires_in: 0,
      token_type: "Bearer",
      "not-before-policy": 0,
      scope: "profile email",
    });
    expect(body.access_token).to.be.a("string").with.length.greaterThan(20);
    expect(sim.tokensIssued()).to.equal(before + 1);
  });

  it("issues a different token each time", async () => {
    expect(await getToken(sim)).not.to.equal(await getToken(sim));
  });

  for (const [what, form] of [
    ["a wrong secret", { client_id: "admin-client", client_secret: "nope" }],
    ["a wrong client id", { client_id: "someone", client_secret: SECRET }],
    ["no credentials", {}],
  ] as const) {
    it(`refuses ${what} with 401 unauthorized_client`, async () => {
      const answer = await tokenRequest(sim, { grant_type: "client_credentials", ...form });
      expect(answer.status).to.equal(401);
      expect(json(answer)).to.deep.equal({
        error: "unauthorized_client",
        error_description: "Invalid client or Invalid client credentials",
      });
    });
  }

  it("refuses another grant type with 400", async () => {
    const answer = await tokenRequest(sim, { grant_type: "password", client_id: "admin-client" });
    expect(answer.status).to.equal(400);
    expect(json(answer)).to.have.property("error", "unsupported_grant_type");
  });

  it("accepts a valid token on /apis/*", async () => {
    const answer = await call(sim, NETWORKS, { token: await getToken(sim) });
    expect(answer.status).to.equal(200);
  });

  for (const [what, headers] of [
    ["no Authorization header", {}],
    ["a token it never issued", { authorization: "Bearer made-up" }],
    ["a non-Bearer scheme", { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` }],
  ] as const) {
    it(`answers 401 for ${what}, even on an unknown path`, async () => {
      for (const path of [NETWORKS, "/apis/nothing/here"]) {
        const answer = await call(sim, path, { headers });
        expect(answer.status, path).to.equal(401);
        expect(json(answer)).to.deep.equal({ message: "Unauthorized" });
      }
    });
  }

  it("does not gate paths outside /apis", async () => {
    expect((await call(sim, "/nowhere")).status).to.equal(404);
  });

  it("answers 401 for every token issued before revokeTokens(), and accepts new ones", async () => {
    const old = await getToken(sim);
    sim.revokeTokens();
    expect((await call(sim, NETWORKS, { token: old })).status).to.equal(401);
    expect((await call(sim, NETWORKS, { token: await getToken(sim) })).status).to.equal(200);
  });

  it("records requests and whether they were authorized, but never the token", async () => {
    const token = await getToken(sim);
    const from = sim.requests.length;
    await call(sim, `${NETWORKS}?x=1`, { token });
    await call(sim, NETWORKS);
    expect(sim.requests.slice(from)).to.deep.equal([
      { method: "GET", path: NETWORKS, query: "x=1", authorized: true },
      { method: "GET", path: NETWORKS, query: "", authorized: false },
    ]);
    expect(JSON.stringify(sim.requests)).not.to.include(token).and.not.to.include(SECRET);
  });
});

describe("simulator: token expiry", function () {
  needs(this, "openssl");
  let sim: Simulator;
  before(async () => {
    // A lifetime of 0 issues tokens that have already expired: no test has to sleep.
    sim = await startSmall({ tokenLifetimeSeconds: 0 });
  });
  after(() => sim.stop());

  it("checks expiry on the server: an expired token gets 401", async () => {
    const answer = await tokenRequest(sim, {
      grant_type: "client_credentials",
      client_id: "admin-client",
      client_secret: SECRET,
    });
    expect(json(answer)).to.have.property("expires_in", 0);
    const token = (json(answer) as { access_token: string }).access_token;
    const refused = await call(sim, NETWORKS, { token });
    expect(refused.status).to.equal(401);
  });
});
