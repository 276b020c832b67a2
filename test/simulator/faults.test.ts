import { expect } from "chai";
import { UserError } from "../../core/errors";
import type { Simulator } from "../../simulator/server";
import { call, callError, getToken, json, startSmall, TOKEN_PATH } from "./helpers";
import { needs } from "../tools";

const NETWORKS = "/apis/sls/v1/networks";
const GROUPS = "/apis/smd/hsm/v2/groups";

describe("simulator: injected faults", function () {
  needs(this, "openssl");
  let sim: Simulator;
  let token: string;

  before(async () => {
    sim = await startSmall();
    token = await getToken(sim);
  });
  afterEach(() => sim.clearFaults());
  after(() => sim.stop());

  it("delay: waits, then answers normally", async () => {
    sim.inject({ path: NETWORKS, kind: "delay", ms: 150 });
    const started = Date.now();
    const answer = await call(sim, NETWORKS, { token });
    expect(Date.now() - started).to.be.at.least(140);
    expect(answer.status).to.equal(200);
  });

  it("body: answers 200 with the given text instead, once by default", async () => {
    sim.inject({ path: NETWORKS, kind: "body", body: '{"not": "a list"}' });
    const odd = await call(sim, NETWORKS, { token });
    expect(odd.status).to.equal(200);
    expect(json(odd)).to.deep.equal({ not: "a list" });
    expect(json(await call(sim, NETWORKS, { token }))).to.be.an("array");
  });

  for (const status of [500, 502, 503]) {
    it(`status ${status}: answers it with a problem body, once by default`, async () => {
      sim.inject({ path: "/apis/sls", kind: "status", status });
      const failed = await call(sim, NETWORKS, { token });
      expect(failed.status).to.equal(status);
      expect(failed.headers["content-type"]).to.equal("application/problem+json");
      expect(json(failed)).to.include({ status, instance: NETWORKS });
      expect((await call(sim, NETWORKS, { token })).status).to.equal(200);
    });
  }

  it("unauthorized: 401 even with a valid token", async () => {
    sim.inject({ path: GROUPS, kind: "unauthorized" });
    const answer = await call(sim, GROUPS, { token });
    expect(answer.status).to.equal(401);
    expect(json(answer)).to.deep.equal({ message: "Unauthorized" });
    expect(sim.requests.at(-1)).to.include({ path: GROUPS, authorized: true });
    expect((await call(sim, GROUPS, { token })).status).to.equal(200);
  });

  it("truncate: promises more body than it sends, then drops the connection", async () => {
    sim.inject({ path: NETWORKS, kind: "truncate" });
    const error = await callError(sim, NETWORKS, { token });
    expect(error.code).to.equal("ECONNRESET");
    expect(error.message).to.match(/aborted|socket hang up/);
  });

  it("reset: drops the connection without any response", async () => {
    sim.inject({ path: NETWORKS, kind: "reset" });
    const error = await callError(sim, NETWORKS, { token });
    expect(error.code).to.equal("ECONNRESET");
    expect((await call(sim, NETWORKS, { token })).status).to.equal(200);
  });

  it("can break the token endpoint too", async () => {
    sim.inject({ path: TOKEN_PATH, kind: "status", status: 503 });
    const answer = await call(sim, TOKEN_PATH, { method: "POST", body: "" });
    expect(answer.status).to.equal(503);
  });

  it("counts `times` matching requests, and only those", async () => {
    sim.inject({ path: NETWORKS, kind: "status", status: 502, times: 2 });
    expect((await call(sim, GROUPS, { token })).status).to.equal(200);
    expect((await call(sim, NETWORKS, { token })).status).to.equal(502);
    expect((await call(sim, `${NETWORKS}/CAN`, { token })).status).to.equal(502);
    expect((await call(sim, NETWORKS, { token })).status).to.equal(200);
  });

  it("matches the method when one is given", async () => {
    sim.inject({ path: NETWORKS, method: "PUT", kind: "status", status: 500 });
    expect((await call(sim, `${NETWORKS}/CAN`, { token })).status).to.equal(200);
    const put = await call(sim, `${NETWORKS}/X`, { method: "PUT", token, body: "{}" });
    expect(put.status).to.equal(500);
  });

  it("keeps an Infinity fault until clearFaults()", async () => {
    sim.inject({ path: NETWORKS, kind: "status", status: 503, times: Infinity });
    for (let i = 0; i < 3; i += 1) {
      expect((await call(sim, NETWORKS, { token })).status).to.equal(503);
    }
    sim.clearFaults();
    expect((await call(sim, NETWORKS, { token })).status).to.equal(200);
  });

  it("applies the first injected fault that matches", async () => {
    sim.inject({ path: "/apis", kind: "status", status: 500 });
    sim.inject({ path: NETWORKS, kind: "status", status: 503 });
    expect((await call(sim, NETWORKS, { token })).status).to.equal(500);
    expect((await call(sim, NETWORKS, { token })).status).to.equal(503);
  });

  it("refuses a fault that could not work", () => {
    expect(() => sim.inject({ path: NETWORKS, kind: "status" })).to.throw(
      UserError,
      /status from 400 to 599/,
    );
    expect(() => sim.inject({ path: NETWORKS, kind: "delay" })).to.throw(UserError, /ms >= 0/);
    expect(() => sim.inject({ path: NETWORKS, kind: "reset", times: 0 })).to.throw(
      UserError,
      /times/,
    );
  });
});

describe("simulator: stop", function () {
  needs(this, "openssl");
  it("ends a request still waiting in a delay instead of hanging", async () => {
    const sim = await startSmall();
    const token = await getToken(sim);
    sim.inject({ path: NETWORKS, kind: "delay", ms: 60_000 });
    const pending = callError(sim, NETWORKS, { token });
    while (sim.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await sim.stop();
    const error = await pending;
    expect(Date.now() - started).to.be.below(1000);
    expect(error).to.be.instanceOf(Error);
  });
});
