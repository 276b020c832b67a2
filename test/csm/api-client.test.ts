import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createCsmClient, fetchFile } from "../../csm/api-client";
import { requestCount, useSimulator } from "./harness";
import { needs } from "../tools";

const NETWORKS = "/apis/sls/v1/networks";

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("CSM API client", function () {
  needs(this, "openssl");
  const h = useSimulator();

  describe("TLS", () => {
    it("refuses the gateway's certificate without its CA and says how to pass it", async () => {
      const client = createCsmClient(h.options({ caCertFile: undefined }), h.log);
      const error = await h.failure(client.getJson(NETWORKS));
      expect(error.message).to.match(
        new RegExp(`^TLS verification failed for ${h.sim.url}/keycloak/\\S+: .+ \\([A-Z_]+\\)$`),
      );
      expect(error.hint).to.include("--ca-cert");
      expect(error.hint).to.include("/etc/pki/trust/anchors/platform-ca-certs.crt");
      expect(h.sim.requests).to.have.length(0);
    });

    it("verifies the certificate with the CA bundle file", async () => {
      const client = createCsmClient(h.options(), h.log);
      expect(await client.getJson(NETWORKS))
        .to.be.an("array")
        .with.length.above(0);
      expect(h.log.warnings).to.deep.equal([]);
    });

    it("skips verification with insecure, and warns", async () => {
      const client = createCsmClient(h.options({ caCertFile: undefined, insecure: true }), h.log);
      await client.getJson(NETWORKS);
      await client.getJson(NETWORKS);
      expect(h.log.warnings).to.have.length(1);
      expect(h.log.warnings[0]).to.match(/^TLS verification is OFF \(--insecure\)/);
    });

    it("names an unreadable CA bundle", async () => {
      const caCertFile = join(h.dir, "missing.pem");
      const client = createCsmClient(h.options({ caCertFile }), h.log);
      const error = await h.failure(client.getJson(NETWORKS));
      expect(error.message).to.equal(`cannot read CA bundle ${caCertFile}: no such file`);
    });

    it("names a CA bundle that holds no certificate", async () => {
      const caCertFile = join(h.dir, "ca.pem");
      writeFileSync(caCertFile, "not a certificate\n");
      const client = createCsmClient(h.options({ caCertFile }), h.log);
      const error = await h.failure(client.getJson(NETWORKS));
      expect(error.message).to.equal(`CA bundle ${caCertFile} holds no PEM certificate`);
    });
  });

  describe("retries", () => {
    for (const fault of [
      { kind: "status", status: 503 },
      { kind: "status", status: 502 },
      { kind: "reset" },
      { kind: "truncate" },
      { kind: "delay", ms: 5000 },
    ] as const) {
      it(`retries after ${JSON.stringify(fault)} and then succeeds`, async () => {
        h.sim.inject({ path: NETWORKS, times: 2, ...fault });
        // Short enough to give up on the delay, long enough that an answer on a loaded
        // machine (TLS and the token included) is never taken for one.
        const client = createCsmClient(h.options({ timeoutMs: 1000 }), h.log);
        expect(await client.getJson(NETWORKS))
          .to.be.an("array")
          .with.length.above(0);
        expect(requestCount(h.sim, NETWORKS)).to.equal(3);
        expect(h.log.debugs).to.have.length(2);
        expect(h.log.debugs[0]).to.match(
          new RegExp(`^GET ${h.sim.url}${NETWORKS}: .+; retry 1 of 3`),
        );
        expect(h.log.debugs[1]).to.match(/; retry 2 of 3 in 0 ms$/);
      });
    }

    it("retries the Keycloak token request too", async () => {
      h.sim.inject({ path: "/keycloak/", kind: "status", status: 503 });
      const client = createCsmClient(h.options(), h.log);
      await client.getJson(NETWORKS);
      expect(h.log.debugs).to.have.length(1);
    });

    it("gives up after the last attempt with the status and the problem's title and detail", async () => {
      h.sim.inject({ path: NETWORKS, kind: "status", status: 503, times: Infinity });
      const client = createCsmClient(h.options({ retries: 2 }), h.log);
      const error = await h.failure(client.getJson(NETWORKS));
      expect(error.message).to.equal(
        `GET ${h.sim.url}${NETWORKS} failed after 3 attempts: ` +
          "503 Service Unavailable (Service Unavailable: injected fault)",
      );
      expect(requestCount(h.sim, NETWORKS)).to.equal(3);
    });

    it("makes one attempt with retries 0", async () => {
      h.sim.inject({ path: NETWORKS, kind: "reset" });
      const client = createCsmClient(h.options({ retries: 0 }), h.log);
      const error = await h.failure(client.getJson(NETWORKS));
      expect(error.message).to.match(/ after 1 attempt$/);
      expect(requestCount(h.sim, NETWORKS)).to.equal(1);
    });

    it("gives up on a gateway that does not answer in time", async () => {
      h.sim.inject({ path: NETWORKS, kind: "delay", ms: 5000, times: 2 });
      const client = createCsmClient(h.options({ retries: 1, timeoutMs: 1000 }), h.log);
      const error = await h.failure(client.getJson(NETWORKS));
      expect(error.message).to.equal(
        `cannot reach ${h.sim.url}${NETWORKS} (no complete answer in 1000 ms) after 2 attempts`,
      );
      expect(error.hint).to.include("--api-gateway");
    });

    it("says the gateway cannot be reached when nothing listens", async () => {
      const gateway = `https://127.0.0.1:${await closedPort()}`;
      const client = createCsmClient(h.options({ gateway, retries: 1 }), h.log);
      const error = await h.failure(client.getJson(NETWORKS));
      expect(error.message).to.equal(
        `cannot reach ${gateway}/keycloak/realms/shasta/protocol/openid-connect/token ` +
          "(ECONNREFUSED) after 2 attempts",
      );
      expect(error.hint).to.equal("Check --api-gateway and that this host can reach the gateway.");
    });

    it("never retries a 4xx, and shows the problem's title and detail", async () => {
      const client = createCsmClient(h.options(), h.log);
      const error = await h.failure(client.getJson(`${NETWORKS}/NOPE`));
      expect(error.message).to.equal(
        `GET ${h.sim.url}${NETWORKS}/NOPE: 404 Not Found (Not Found: network NOPE not found)`,
      );
      expect(requestCount(h.sim, `${NETWORKS}/NOPE`)).to.equal(1);
      expect(h.log.debugs).to.deep.equal([]);
    });
  });

  describe("getJsonIfPresent", () => {
    it("answers undefined for a 404 and the parsed body otherwise, never from the cache", async () => {
      const client = createCsmClient(
        h.options({ cache: { dir: h.dir, ttlSeconds: 60, refresh: false } }),
        h.log,
      );
      expect(await client.getJsonIfPresent(`${NETWORKS}/NOPE`)).to.equal(undefined);
      await client.getJson(`${NETWORKS}/CAN`, { cached: true });
      expect(await client.getJsonIfPresent(`${NETWORKS}/CAN`)).to.include({ Name: "CAN" });
      expect(requestCount(h.sim, `${NETWORKS}/CAN`)).to.equal(2);
    });

    it("still fails on any other refusal", async () => {
      h.sim.inject({ path: `${NETWORKS}/CAN`, kind: "status", status: 403 });
      const client = createCsmClient(h.options(), h.log);
      const error = await h.failure(client.getJsonIfPresent(`${NETWORKS}/CAN`));
      expect(error.message).to.include("403 Forbidden");
    });
  });

  describe("fetchFile: a file the nodes download, outside the API", () => {
    // A presigned URL's query string is its credential: never in a message or a log line.
    const SIGNATURE = "5f1b".repeat(16);
    const presigned = (path: string) =>
      `${h.sim.url}${path}?X-Amz-Credential=STS%2F20261201&X-Amz-Signature=${SIGNATURE}`;
    const options = (overrides: { caCertFile?: string } = {}) => ({
      caCertFile: h.sim.caFile,
      timeoutMs: 5000,
      retries: 1,
      retryDelayMs: () => 0,
      what: "podman.subuid_url",
      ...overrides,
    });
    beforeEach(() => h.secrets.push(SIGNATURE));

    it("answers undefined for a 404, sending no credentials", async () => {
      expect(await fetchFile(presigned("/user/subuid"), options(), h.log)).to.equal(undefined);
      expect(h.sim.requests.map((request) => [request.path, request.authorized])).to.deep.equal([
        ["/user/subuid", false],
      ]);
    });

    it("names the setting and shows the URL without its query in every failure", async () => {
      const refused = await h.failure(fetchFile(presigned(NETWORKS), options(), h.log));
      expect(refused.message).to.equal(
        `GET podman.subuid_url ${h.sim.url}${NETWORKS}?[redacted]: 401 Unauthorized`,
      );
      expect(refused.hint).to.equal("Check podman.subuid_url and that this host can reach it.");
      h.sim.inject({ path: "/user/subuid", kind: "status", status: 503, times: 2 });
      const failing = await h.failure(fetchFile(presigned("/user/subuid"), options(), h.log));
      expect(failing.message).to.match(
        new RegExp(`^GET ${h.sim.url}/user/subuid\\?\\[redacted\\] failed after 2 attempts: 503`),
      );
      const untrusted = await h.failure(
        fetchFile(presigned("/user/subuid"), options({ caCertFile: undefined }), h.log),
      );
      expect(untrusted.message).to.match(
        new RegExp(`^TLS verification failed for ${h.sim.url}/user/subuid\\?\\[redacted\\]: `),
      );
      expect(untrusted.hint).to.include("--ca-cert");
    });
  });

  describe("writes", () => {
    it("PUTs JSON and returns the parsed answer", async () => {
      const client = createCsmClient(h.options(), h.log);
      const can = (await client.getJson(`${NETWORKS}/CAN`)) as { Name: string; FullName: string };
      const answer = await client.putJson(`${NETWORKS}/CAN`, { ...can, FullName: "Renamed" });
      expect(answer).to.include({ Name: "CAN", FullName: "Renamed" });
      expect(h.sim.state.sls.Networks.CAN?.FullName).to.equal("Renamed");
    });

    it("rejects a gateway that is not a URL", () => {
      expect(() => createCsmClient(h.options({ gateway: "api-gw-service-nmn.local" }), h.log))
        .to.throw("is not an http(s) URL")
        .with.property("hint")
        .that.includes("--api-gateway");
    });
  });
});
