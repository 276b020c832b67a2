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
  const entries = (): string[] =>
    readdirSync(cacheDir())
      .filter((name) => name.endsWith(".json"))
      .map((name) => join(cacheDir(), name));
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
      expect(envelope).to.have.all.keys("url", "fetchedAt", "generation", "body");
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

  describe("a 200 of the wrong shape is never cached", () => {
    for (const [path, body] of [
      [NETWORKS, '{"Networks": []}'],
      [NETWORKS, '[{"FullName": "no Name"}]'],
      ["/apis/sls/v1/search/hardware", '"nodes"'],
      ["/apis/smd/hsm/v2/groups", '{"groups": []}'],
      ["/apis/smd/hsm/v2/groups", "<html>proxy login</html>"],
    ] as const) {
      it(`${path} answering ${body}: fails this run only`, async () => {
        h.sim.inject({ path, kind: "body", body });
        const error = await h.failure(load(h, withCache()));
        expect(error.message).to.include(path);
        // The server has recovered: the next run asks it again and succeeds.
        h.sim.requests.length = 0;
        await load(h, withCache());
        expect(h.sim.requests.filter((r) => r.path === path)).to.have.length(1);
        expect(
          h.log.infos.filter((line) => line.includes(`using the cached GET ${h.sim.url}${path}`)),
        ).to.deep.equal([]);
      });
    }

    it("an entry that no longer passes the checks is fetched again", async () => {
      await load(h, withCache());
      for (const file of entries()) {
        const envelope = JSON.parse(readFileSync(file, "utf8")) as { body: string };
        envelope.body = '{"wrong": "shape"}';
        writeFileSync(file, JSON.stringify(envelope));
      }
      h.sim.requests.length = 0;
      await load(h, withCache());
      expect(apiRequests()).to.equal(3);
    });
  });

  describe("a write clears responses that were in flight (another run's split --apply)", () => {
    it("a GET sent before the clear and answered after it is not cached", async () => {
      h.sim.inject({ path: NETWORKS, kind: "delay", ms: 400 });
      const inventory = load(h, withCache());
      await new Promise((resolve) => setTimeout(resolve, 150));
      // Another process writes SLS while the inventory run's GET is out.
      const writer = createCsmClient(withCache(), h.log);
      const can = await writer.getJson(`${NETWORKS}/CAN`);
      await writer.putJson(`${NETWORKS}/CAN`, can);
      await inventory;
      h.sim.requests.length = 0;
      await load(h, withCache());
      expect(h.sim.requests.filter((r) => r.path === NETWORKS)).to.have.length(1);
    });

    it("an entry written just before the clear is not read after it, even if it survived", async () => {
      await load(h, withCache());
      const kept = entries().map((file) => [file, readFileSync(file, "utf8")] as const);
      await createCsmClient(withCache(), h.log).putJson(
        `${NETWORKS}/CAN`,
        h.sim.state.sls.Networks.CAN,
      );
      // As if a write had landed between the clear's new generation and its deletions.
      for (const [file, text] of kept) writeFileSync(file, text);
      h.sim.requests.length = 0;
      await load(h, withCache());
      expect(apiRequests()).to.equal(3);
    });

    it("every clear starts a new generation, in a private file", async () => {
      const client = createCsmClient(withCache(), h.log);
      const generations = new Set<string>();
      for (let i = 0; i < 3; i += 1) {
        await client.putJson(`${NETWORKS}/CAN`, h.sim.state.sls.Networks.CAN);
        generations.add(readFileSync(join(cacheDir(), "generation"), "utf8"));
      }
      expect(generations.size).to.equal(3);
      expect(statSync(join(cacheDir(), "generation")).mode & 0o777).to.equal(0o600);
    });
  });

  it("only warns when the cache cannot be written", async () => {
    writeFileSync(join(h.dir, "cache"), "a file where the directory should be");
    await load(h, withCache());
    expect(h.log.warnings).to.have.length(1);
    expect(h.log.warnings[0]).to.match(/^cannot cache API responses in /);
  });
});
