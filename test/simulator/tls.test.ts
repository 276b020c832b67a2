import { expect } from "chai";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Simulator } from "../../simulator/server";
import { call, callError, startSmall } from "./helpers";
import { needs } from "../tools";

describe("simulator: TLS", function () {
  needs(this, "openssl");
  let sim: Simulator;
  before(async () => {
    sim = await startSmall();
  });
  after(() => sim.stop());

  it("listens on https://127.0.0.1", () => {
    expect(sim.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("is trusted by a client given the simulator's CA", async () => {
    expect((await call(sim, "/nowhere")).status).to.equal(404);
  });

  it("fails verification for a client without the CA", async () => {
    const error = await callError(sim, "/nowhere", { trustSimulatorCa: false });
    expect(error.code).to.be.oneOf([
      "SELF_SIGNED_CERT_IN_CHAIN",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    ]);
  });

  it("serves a certificate for 127.0.0.1 and localhost, signed by the CA", () => {
    const dir = dirname(sim.caFile);
    const ca = new X509Certificate(readFileSync(sim.caFile));
    const server = new X509Certificate(readFileSync(join(dir, "server.pem")));
    expect(ca.ca).to.equal(true);
    expect(server.ca).to.equal(false);
    expect(server.verify(ca.publicKey)).to.equal(true);
    expect(server.checkIP("127.0.0.1")).to.equal("127.0.0.1");
    expect(server.checkHost("localhost")).to.equal("localhost");
    expect(server.publicKey.asymmetricKeyDetails).to.deep.include({ namedCurve: "prime256v1" });
  });

  it("keeps the private keys readable by the owner only", () => {
    for (const key of ["ca.key", "server.key"]) {
      expect(statSync(join(dirname(sim.caFile), key)).mode & 0o777, key).to.equal(0o600);
    }
  });
});

describe("simulator: TLS clean-up", function () {
  needs(this, "openssl");
  it("removes its certificate directory on stop", async () => {
    const sim = await startSmall();
    expect(existsSync(sim.caFile)).to.equal(true);
    await sim.stop();
    expect(existsSync(dirname(sim.caFile))).to.equal(false);
  });
});
