import { expect } from "chai";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ApiOptions } from "../../csm/api-client";
import { createCsmClient } from "../../csm/api-client";
import { createApiSources } from "../../csm/api-source";
import { loadSystem } from "../../csm/source";
import { useSimulator, type Harness } from "./harness";
import { needs } from "../tools";

const NETWORKS = "/apis/sls/v1/networks";

describe("CSM API response cache", function () {
  needs(this, "openssl");
  const h = useSimulator();
  const cacheDir = (): string => join(h.dir, "cache", "uan-k3s");
  const withCache = (cache: Partial<NonNullable<ApiOptions["cache"]>> = {}): ApiOptions =>
    h.options({ cache: { dir: cacheDir(), ttlSeconds: 300, refresh: false, ...cache } });
  const entries = (): string[] => readdirSync(cacheDir()).map((name) => join(cacheDir(), name));
  const apiRequests = (): number =>
    h.sim.requests.filter((r) => r.path.startsWith("/apis/")).length;

  async function load(harness: Harness, options: ApiOptions): Promise<void> {
    const { sls, hsm } = createApiSources(options, harness.log);
    const system = await loadSystem(sls, hsm);
    expect(system.sls.networks.size).to.be.above(0);
  }

  it("answers from the cache within the TTL, without any request", async () => {
    await load(h, withCache());
    expect(apiRequests()).to.equal(3);
    h.sim.requests.length = 0;
    await load(h, withCache());
    expect(h.sim.requests).to.deep.equal([]);
    expect(h.log.debugs.filter((line) => line.startsWith("using the cached GET "))).to.have.length(
      3,
    );
  });

  it("keeps one private file per URL, in a private directory", async () => {
    await load(h, withCache());
    expect(statSync(cacheDir()).mode & 0o777).to.equal(0o700);
    const files = entries();
    expect(files).to.have.length(3);
    for (const file of files) {
      expect(file).to.match(/\/[0-9a-f]{64}\.json$/);
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      const envelope = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      expect(envelope).to.have.all.keys("url", "fetchedAt", "body");
      expect(envelope.url).to.match(new RegExp(`^${h.sim.url}/apis/`));
    }
  });

  it("makes an existing cache directory private", async () => {
    mkdirSync(cacheDir(), { recursive: true });
    chmodSync(cacheDir(), 0o755);
    await load(h, withCache());
    expect(statSync(cacheDir()).mode & 0o777).to.equal(0o700);
  });

  it("fetches again once the TTL has passed", async () => {
    await load(h, withCache());
    for (const file of entries()) {
      const envelope = JSON.parse(readFileSync(file, "utf8")) as { fetchedAt: string };
      envelope.fetchedAt = new Date(Date.now() - 301_000).toISOString();
      writeFileSync(file, JSON.stringify(envelope));
    }
    h.sim.requests.length = 0;
    await load(h, withCache());
    expect(apiRequests()).to.equal(3);
  });

  it("fetches with refresh and still writes the cache", async () => {
    await load(h, withCache());
    const before = entries().map((file) => statSync(file).mtimeMs);
    h.sim.requests.length = 0;
    await load(h, withCache({ refresh: true }));
    expect(apiRequests()).to.equal(3);
    const after = entries().map((file) => statSync(file).mtimeMs);
    after.forEach((mtime, i) => expect(mtime).to.be.at.least(before[i]));
    h.sim.requests.length = 0;
    await load(h, withCache());
    expect(h.sim.requests).to.deep.equal([]);
  });

  it("ignores a corrupt cache file and replaces it", async () => {
    await load(h, withCache());
    const files = entries();
    writeFileSync(files[0], "{ not json");
    writeFileSync(files[1], JSON.stringify({ url: "elsewhere", fetchedAt: "", body: "[]" }));
    h.sim.requests.length = 0;
    await load(h, withCache());
    expect(apiRequests()).to.equal(2);
    expect(() => JSON.parse(readFileSync(files[0], "utf8")) as unknown).not.to.throw();
  });

  it("caches nothing with a TTL of 0", async () => {
    await load(h, withCache({ ttlSeconds: 0 }));
    await load(h, withCache({ ttlSeconds: 0 }));
    expect(apiRequests()).to.equal(6);
    expect(() => readdirSync(cacheDir())).to.throw();
  });

  it("never caches a token, nor reads the cache unless asked", async () => {
    await load(h, withCache());
    for (const file of entries()) {
      expect(readFileSync(file, "utf8")).not.to.include("keycloak");
      expect(readFileSync(file, "utf8")).not.to.include("access_token");
    }
    h.sim.requests.length = 0;
    await createCsmClient(withCache(), h.log).getJson(NETWORKS);
    expect(apiRequests()).to.equal(1);
  });

  it("is cleared by a write", async () => {
    await load(h, withCache());
    const client = createCsmClient(withCache(), h.log);
    const can = await client.getJson(`${NETWORKS}/CAN`);
    await client.putJson(`${NETWORKS}/CAN`, can);
    expect(entries()).to.deep.equal([]);
  });

  it("only warns when the cache cannot be written", async () => {
    writeFileSync(join(h.dir, "cache"), "a file where the directory should be");
    await load(h, withCache());
    expect(h.log.warnings).to.have.length(1);
    expect(h.log.warnings[0]).to.match(/^cannot cache API responses in /);
  });
});
