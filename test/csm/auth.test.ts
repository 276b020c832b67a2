import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createApiSources } from "../../csm/api-source";
import { TOKEN_PATH } from "../../csm/auth";
import { loadSystem } from "../../csm/source";
import { expectNoSecrets, requestCount, useSimulator, type Harness } from "./harness";
import { needs } from "../tools";

const NETWORKS = "/apis/sls/v1/networks";

async function loadWith(h: Harness, overrides: Parameters<Harness["options"]>[0]): Promise<void> {
  const { sls, hsm } = createApiSources(h.options(overrides), h.log);
  const system = await loadSystem(sls, hsm);
  expect(system.sls.networks.has("CAN")).to.equal(true);
}

function tokenRequests(h: Harness): number {
  return requestCount(h.sim, TOKEN_PATH, "POST");
}

describe("CSM API authentication", function () {
  needs(this, "openssl");
  const h = useSimulator();

  describe("choosing the credentials", () => {
    it("uses Keycloak client credentials, one token for concurrent requests", async () => {
      const issued = h.sim.tokensIssued();
      await loadWith(h, {});
      expect(h.sim.tokensIssued()).to.equal(issued + 1);
      const api = h.sim.requests.filter((r) => r.path.startsWith("/apis/"));
      expect(api).to.have.length(3);
      expect(api.every((r) => r.authorized)).to.equal(true);
    });

    it("uses a token file with an access_token first", async () => {
      const tokenFile = join(h.dir, "token.json");
      writeFileSync(tokenFile, JSON.stringify({ access_token: await h.issueToken() }));
      h.sim.requests.length = 0;
      await loadWith(h, { tokenFile, token: "not-this-one" });
      expect(tokenRequests(h)).to.equal(0);
    });

    it("uses the TOKEN value before client credentials", async () => {
      const token = await h.issueToken();
      h.sim.requests.length = 0;
      await loadWith(h, { token: `${token}\n` });
      expect(tokenRequests(h)).to.equal(0);
    });

    it("lists the three ways to authenticate when none is given", () => {
      let caught: unknown;
      try {
        createApiSources(h.options({ clientSecretFile: undefined, token: "  " }), h.log);
      } catch (error) {
        caught = error;
      }
      const { message, hint } = caught as { message: string; hint: string };
      expect(message).to.equal("no credentials for the CSM API");
      for (const way of [
        "--token-file",
        "CRAY_CREDENTIALS",
        "TOKEN=",
        "--client-secret-file",
        "UAN_K3S_CLIENT_SECRET_FILE",
      ]) {
        expect(hint).to.include(way);
      }
    });
  });

  describe("bad credentials", () => {
    it("names a missing token file", async () => {
      const tokenFile = join(h.dir, "missing.json");
      const error = await h.failure(loadWith(h, { tokenFile }));
      expect(error.message).to.equal(`cannot read token file ${tokenFile}: no such file`);
    });

    it("names a malformed token file without quoting it", async () => {
      const tokenFile = join(h.dir, "token.json");
      const token = await h.issueToken();
      writeFileSync(tokenFile, `{"access_token": "${token}",`);
      const error = await h.failure(loadWith(h, { tokenFile }));
      expect(error.message).to.equal(`token file ${tokenFile} is not valid JSON`);
      expect(error.hint).to.include("access_token");
    });

    it("names a token file without an access_token", async () => {
      const tokenFile = join(h.dir, "token.json");
      writeFileSync(tokenFile, JSON.stringify({ refresh_token: "x" }));
      const error = await h.failure(loadWith(h, { tokenFile }));
      expect(error.message).to.equal(`token file ${tokenFile} has no "access_token" string`);
    });

    it("reports rejected client credentials", async () => {
      writeFileSync(h.secretFile, "wrong-secret-value\n");
      h.secrets.push("wrong-secret-value");
      const error = await h.failure(loadWith(h, {}));
      expect(error.message).to.match(/^client credentials rejected for client admin-client by /);
      expect(error.hint).to.include("--client-secret-file");
    });

    it("reports an unknown client id the same way", async () => {
      const error = await h.failure(loadWith(h, { clientId: "nobody" }));
      expect(error.message).to.match(/^client credentials rejected for client nobody /);
    });

    it("names an unreadable client secret file", async () => {
      const clientSecretFile = join(h.dir, "nope");
      const error = await h.failure(loadWith(h, { clientSecretFile }));
      expect(error.message).to.equal(
        `cannot read client secret file ${clientSecretFile}: no such file`,
      );
    });
  });

  describe("401 Unauthorized", () => {
    it("gets a new Keycloak token once and retries the request", async () => {
      const { sls } = createApiSources(h.options(), h.log);
      await sls.load();
      const issued = h.sim.tokensIssued();
      h.sim.inject({ path: NETWORKS, kind: "unauthorized" });
      await sls.load();
      expect(h.sim.tokensIssued()).to.equal(issued + 1);
      expect(requestCount(h.sim, NETWORKS)).to.equal(3);
      expect(h.log.debugs.join("\n")).to.include(
        `GET ${h.sim.url}${NETWORKS}: 401 Unauthorized; getting a new token and trying once more`,
      );
    });

    it("shares one new token among concurrent requests after a revocation", async () => {
      const { sls, hsm } = createApiSources(h.options(), h.log);
      await loadSystem(sls, hsm);
      const issued = h.sim.tokensIssued();
      h.sim.revokeTokens();
      await loadSystem(sls, hsm);
      expect(h.sim.tokensIssued()).to.equal(issued + 1);
    });

    it("fails clearly when the new token is refused too", async () => {
      h.sim.inject({ path: NETWORKS, kind: "unauthorized", times: 2 });
      const error = await h.failure(loadWith(h, {}));
      expect(error.message).to.equal(
        `GET ${h.sim.url}${NETWORKS}: 401 Unauthorized, even with a new token from Keycloak client admin-client`,
      );
      expect(requestCount(h.sim, NETWORKS)).to.equal(2);
    });

    it("tells to get a fresh token when the TOKEN value is refused", async () => {
      const token = await h.issueToken();
      h.sim.revokeTokens();
      const error = await h.failure(loadWith(h, { token }));
      expect(error.message).to.include(
        ": 401 Unauthorized: the token from the TOKEN environment variable was refused",
      );
      expect(error.hint).to.match(/^Get a fresh token/);
    });

    it("names the token file whose token is refused", async () => {
      const tokenFile = join(h.dir, "token.json");
      writeFileSync(tokenFile, JSON.stringify({ access_token: await h.issueToken() }));
      h.sim.revokeTokens();
      h.sim.requests.length = 0;
      const error = await h.failure(loadWith(h, { tokenFile }));
      expect(error.message).to.include(`the token from the token file ${tokenFile}`);
      expect(tokenRequests(h)).to.equal(0);
    });
  });

  describe("403 Forbidden", () => {
    it("names the URL and says it is a permission problem", async () => {
      h.sim.inject({ path: "/apis/smd/hsm/v2/groups", kind: "status", status: 403 });
      const error = await h.failure(loadWith(h, {}));
      expect(error.message).to.equal(
        `GET ${h.sim.url}/apis/smd/hsm/v2/groups: 403 Forbidden (Forbidden: injected fault): ` +
          "no permission for this URL",
      );
      expect(requestCount(h.sim, "/apis/smd/hsm/v2/groups")).to.equal(1);
    });
  });
});

describe("CSM API token expiry", function () {
  needs(this, "openssl");
  const h = useSimulator({ tokenLifetimeSeconds: 1 });

  it("gets a new Keycloak token before the old one expires", async () => {
    const { sls } = createApiSources(h.options(), h.log);
    await sls.load();
    await sleep(1000);
    await sls.load();
    expect(h.sim.tokensIssued()).to.equal(2);
    const api = h.sim.requests.filter((r) => r.path.startsWith("/apis/"));
    expect(api.every((r) => r.authorized)).to.equal(true);
  });

  it("reuses a token that is still valid", async () => {
    const { sls } = createApiSources(h.options(), h.log);
    const issued = h.sim.tokensIssued();
    await sls.load();
    await sls.load();
    expect(h.sim.tokensIssued()).to.equal(issued + 1);
  });
});

describe("CSM API secrets", function () {
  needs(this, "openssl");
  const h = useSimulator();

  // useSimulator's afterEach searches every error and log line of these for the token.
  const faults = [
    { kind: "reset" },
    { kind: "truncate" },
    { kind: "status", status: 503 },
    { kind: "status", status: 404 },
    { kind: "status", status: 403 },
    { kind: "unauthorized" },
    { kind: "delay", ms: 500 },
  ] as const;
  for (const fault of faults) {
    it(`keeps a known token out of the failure after ${JSON.stringify(fault)}`, async () => {
      const token = await h.issueToken();
      h.sim.inject({ path: NETWORKS, times: Infinity, ...fault });
      const client = createApiSources(h.options({ token, retries: 1, timeoutMs: 200 }), h.log);
      const error = await h.failure(client.sls.load());
      expect(error.message).to.include(NETWORKS);
      expect(error.cause).to.equal(undefined);
    });
  }

  it("keeps the token out of a TLS failure", async () => {
    const token = await h.issueToken();
    const options = h.options({ token, caCertFile: undefined });
    const error = await h.failure(createApiSources(options, h.log).sls.load());
    expect(error.message).to.match(/^TLS verification failed/);
  });

  it("keeps the client secret out of a failed token request", async () => {
    h.sim.inject({ path: "/keycloak/", kind: "reset", times: Infinity });
    const error = await h.failure(createApiSources(h.options({ retries: 1 }), h.log).sls.load());
    expect(error.message).to.match(/^cannot reach .+\/token \(connection cut: socket hang up\)/);
  });

  it("has a leak check that finds a token deep inside an error", async () => {
    const token = await h.issueToken();
    const leaky = new Error("request failed", {
      cause: { config: { headers: { Authorization: `Bearer ${token}` } } },
    });
    expect(() => expectNoSecrets([leaky], [token])).to.throw();
    expect(() => expectNoSecrets([leaky], [])).to.throw(); // by shape alone
    expect(() => expectNoSecrets([new Error("fine")], [token])).not.to.throw();
  });
});
