import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { backupFileName } from "../../core/backup";
import { createCsmClient } from "../../csm/api-client";
import {
  applyConfiguration,
  backupConfigurationName,
  buildLayer,
  configurationJson,
  ensureLayer,
  fetchConfiguration,
  type ApplyConfigurationOptions,
  type CfsApi,
  type CfsApiVersion,
  type JsonObject,
  type LayerOptions,
} from "../../cfs";
import { FAKE_BRANCH_COMMIT } from "../../simulator/cfs-routes";
import { requestCount, useSimulator } from "../csm/harness";
import { COS_SHA, describedV3, k3sLayer, OLD_SHA, SHA } from "./fixtures";
import { needs } from "../tools";

const NAME = "uan-config-2.6.0";
const PATH = `/apis/cfs/v3/configurations/${NAME}`;
const AT = new Date("2025-04-17T12:10:43.505Z");
const BACKUP_FILE = `${NAME}-backup-20250417T121043Z.json`;

describe("cfs-layer: applying to CFS", function () {
  needs(this, "openssl");
  const h = useSimulator();

  /** Puts `configuration` into the simulator as the service would have stored it. */
  function seed(configuration: JsonObject | null = describedV3()): void {
    h.sim.state.cfs.configurations.clear();
    if (configuration !== null) {
      h.sim.state.cfs.configurations.set(NAME, {
        ...configuration,
        name: NAME,
        last_updated: "2025-04-17T12:10:43Z",
      });
    }
  }

  const stored = (name = NAME): JsonObject | undefined => h.sim.state.cfs.configurations.get(name);
  const puts = (): number => h.sim.requests.filter((request) => request.method === "PUT").length;
  const options = (
    overrides: Partial<ApplyConfigurationOptions> = {},
  ): ApplyConfigurationOptions => ({
    backupDir: join(h.dir, "backups"),
    log: h.log,
    now: () => AT,
    ...overrides,
  });

  /** Reads, plans and applies as the CLI does after the admin said --yes. */
  async function ensureAndApply(
    layer: LayerOptions = { revision: { commit: SHA } },
    apply: Partial<ApplyConfigurationOptions> = {},
    version: CfsApiVersion = "v3",
    api: CfsApi = createCsmClient(h.options(), h.log),
  ) {
    const read = await fetchConfiguration(api, NAME, version);
    const plan = ensureLayer(read, buildLayer({ ...layer, apiVersion: version }), {
      apiVersion: version,
      log: h.log,
    });
    return applyConfiguration(api, NAME, read, plan, options(apply));
  }

  it("names backups after the configuration and the UTC second, within CFS's 60 characters", () => {
    expect(backupFileName("uan/config 2", AT)).to.equal(
      "uan_config_2-backup-20250417T121043Z.json",
    );
    expect(backupConfigurationName(NAME, AT, "v3")).to.equal(`${NAME}-backup-20250417T121043`);
    const long = "c".repeat(60);
    expect(backupConfigurationName(long, AT, "v3", 12)).to.equal(
      `${"c".repeat(34)}-backup-20250417T121043-12`,
    );
    expect(backupConfigurationName(long, AT, "v3", 12)).to.have.length(60);
    expect(backupConfigurationName(long, AT, "v2")).to.equal(`${long}-backup-20250417T121043`);
  });

  it("needs what was read from the same URL it writes", async () => {
    seed();
    const client = createCsmClient(h.options(), h.log);
    const plan = ensureLayer({ configuration: describedV3(), origin: "file.json" }, k3sLayer(), {
      apiVersion: "v3",
      log: h.log,
    });
    let caught: unknown;
    try {
      await applyConfiguration(
        client,
        NAME,
        { configuration: describedV3(), origin: "file.json" },
        plan,
        options(),
      );
    } catch (error) {
      caught = error;
    }
    expect(caught)
      .to.be.instanceOf(Error)
      .with.property("message")
      .that.includes("read came from file.json");
    expect(puts()).to.equal(0);
  });

  it("creates a configuration that does not exist, with nothing to back up", async () => {
    seed(null);
    const result = await ensureAndApply();
    expect(result.outcome).to.equal("created");
    expect(result).not.to.have.property("backupFile");
    expect(stored()).to.deep.include({ name: NAME, layers: [k3sLayer()] });
    expect(existsSync(join(h.dir, "backups"))).to.equal(false);
    expect(h.log.infos).to.include(
      `CFS configuration ${NAME} does not exist yet; nothing to back up`,
    );
  });

  it("replaces the K3s layer in place and keeps a 0600 backup that a PUT accepts", async () => {
    seed();
    const result = await ensureAndApply();
    expect(result.outcome).to.equal("updated");
    expect(result.backupFile).to.equal(join(h.dir, "backups", BACKUP_FILE));
    const layers = stored()?.layers as JsonObject[];
    expect(layers.map((layer) => layer.name)).to.deep.equal([
      "csm-1.6",
      "uan-k3s-0123456",
      "uan-2.6.0",
      "cos-integration",
    ]);
    expect(layers[1]).to.deep.equal(k3sLayer());
    expect(stored()).to.have.property("description", "UAN nodes, CSM 1.6");
    expect(statSync(result.backupFile as string).mode & 0o777).to.equal(0o600);
    const backup = JSON.parse(readFileSync(result.backupFile as string, "utf8")) as JsonObject;
    expect(backup).not.to.have.any.keys("name", "last_updated");
    expect((backup.layers as JsonObject[])[1]).to.include({ commit: OLD_SHA });
    // CFS kept the COS layer's branch beside its commit; the backup keeps what ran: the commit.
    expect((backup.layers as JsonObject[])[3])
      .to.include({ commit: COS_SHA })
      .and.not.have.property("branch");
    expect(readFileSync(result.backupFile as string, "utf8")).to.equal(configurationJson(backup));
  });

  it("writes nothing when CFS already holds the configuration", async () => {
    seed();
    await ensureAndApply();
    h.sim.requests.length = 0;
    const again = await ensureAndApply(
      { revision: { commit: SHA } },
      { backupDir: join(h.dir, "second") },
    );
    expect(again.outcome).to.equal("unchanged");
    expect(puts()).to.equal(0);
    expect(existsSync(join(h.dir, "second"))).to.equal(false);
  });

  it("aborts when the configuration changed after it was read, before writing anything", async () => {
    seed();
    const client = createCsmClient(h.options(), h.log);
    const read = await fetchConfiguration(client, NAME, "v3");
    const plan = ensureLayer(read, k3sLayer(), { apiVersion: "v3", log: h.log });
    (stored() as JsonObject).description = "edited by a colleague";
    const error = await h.failure(applyConfiguration(client, NAME, read, plan, options()));
    expect(error.message).to.equal(
      `CFS configuration ${NAME} was changed by someone else since it was read`,
    );
    expect(error.hint).to.include("Nothing was written");
    expect(puts()).to.equal(0);
    expect(existsSync(join(h.dir, "backups"))).to.equal(false);

    h.sim.state.cfs.configurations.delete(NAME);
    const deleted = await h.failure(applyConfiguration(client, NAME, read, plan, options()));
    expect(deleted.message).to.equal(`CFS configuration ${NAME} was deleted since it was read`);
  });

  it("re-reads right before the PUT and aborts if it changed meanwhile, keeping the backup", async () => {
    seed();
    const client = createCsmClient(h.options(), h.log);
    let reads = 0;
    const racing: CfsApi = {
      gateway: client.gateway,
      putJson: (path, body) => client.putJson(path, body),
      getJsonIfPresent: async (path) => {
        reads += 1;
        // The third read is the one right before the PUT (after the plan's and the first check's).
        if (reads === 3) (stored() as JsonObject).description = "edited during the backup";
        return client.getJsonIfPresent(path);
      },
    };
    const error = await h.failure(ensureAndApply(undefined, {}, "v3", racing));
    expect(error.message).to.include("was changed by someone else since it was read");
    expect(error.hint).to.include(join(h.dir, "backups", BACKUP_FILE));
    expect(requestCount(h.sim, PATH, "PUT")).to.equal(0);
  });

  it("leaves the backup and says how to restore when the PUT fails", async () => {
    seed();
    const before = structuredClone(stored());
    h.sim.inject({ path: PATH, method: "PUT", kind: "status", status: 500, times: Infinity });
    const error = await h.failure(ensureAndApply());
    const file = join(h.dir, "backups", BACKUP_FILE);
    expect(error.message).to.match(
      new RegExp(
        `^writing CFS configuration ${NAME} failed: PUT .*${PATH} failed after 4 attempts: 500`,
      ),
    );
    expect(error.hint).to.equal(
      `The configuration as it was is saved in ${file}. See what CFS holds with ` +
        `\`cray cfs v3 configurations describe ${NAME}\`; restore it with ` +
        `\`cray cfs v3 configurations update ${NAME} --file ${file}\`.`,
    );
    expect(existsSync(file)).to.equal(true);
    expect(stored()).to.deep.equal(before);
  });

  it("also saves the configuration as it was in CFS with --backup-in-cfs, never over an earlier backup", async () => {
    seed();
    const result = await ensureAndApply(undefined, { backupInCfs: true });
    const backupName = `${NAME}-backup-20250417T121043`;
    expect(result.backupConfiguration).to.equal(backupName);
    const backup = stored(backupName) as JsonObject;
    expect((backup.layers as JsonObject[])[1]).to.include({ commit: OLD_SHA });
    expect(h.log.infos).to.include(
      `saved CFS configuration ${NAME} as it was in CFS as ${backupName}`,
    );

    const other = await ensureAndApply({ revision: { commit: COS_SHA } }, { backupInCfs: true });
    expect(other.backupConfiguration).to.equal(`${backupName}-2`);
    expect(((stored(`${backupName}-2`) as JsonObject).layers as JsonObject[])[1]).to.include({
      commit: SHA,
    });
  });

  it("stops, with NAME unchanged, when the backup cannot be saved in CFS", async () => {
    seed();
    const before = structuredClone(stored());
    h.sim.inject({
      path: `${PATH}-backup`,
      method: "PUT",
      kind: "status",
      status: 503,
      times: Infinity,
    });
    const error = await h.failure(ensureAndApply(undefined, { backupInCfs: true }));
    expect(error.message).to.include(
      `saving the backup configuration ${NAME}-backup-20250417T121043 in CFS failed`,
    );
    expect(error.hint).to.include(`Configuration ${NAME} was not changed`);
    expect(stored()).to.deep.equal(before);
  });

  it("applies through v2 with camelCase fields", async () => {
    seed();
    const result = await ensureAndApply(undefined, {}, "v2");
    expect(result.outcome).to.equal("updated");
    expect(result.stored).to.have.property("lastUpdated");
    expect((stored()?.layers as JsonObject[])[1]).to.deep.equal(k3sLayer());
  });

  it("sends a branch for CFS to resolve, and accepts the commit CFS adds", async () => {
    seed();
    const result = await ensureAndApply({ revision: { branch: "integration-2.6.0" } });
    expect((result.stored.layers as JsonObject[])[1]).to.include({
      branch: "integration-2.6.0",
      commit: FAKE_BRANCH_COMMIT,
    });
    expect(h.log.warnings.filter((warning) => warning.includes("other changes"))).to.deep.equal([]);
  });

  it("reads back and refuses a layer that CFS did not store as written", async () => {
    seed();
    const client = createCsmClient(h.options(), h.log);
    const lossy: CfsApi = {
      gateway: client.gateway,
      getJsonIfPresent: (path) => client.getJsonIfPresent(path),
      putJson: (path, body) => {
        const sent = body as { layers: JsonObject[] };
        const layers = sent.layers.map((layer, i) =>
          i === 1 ? { ...layer, commit: COS_SHA } : layer,
        );
        return client.putJson(path, { ...sent, layers });
      },
    };
    const error = await h.failure(ensureAndApply(undefined, {}, "v3", lossy));
    expect(error.message).to.equal(
      `CFS configuration ${NAME} does not hold the layer as written: ` +
        `/layers/1/commit is "${COS_SHA}", not "${SHA}"`,
    );
    expect(error.hint).to.include(
      `restore it with \`cray cfs v3 configurations update ${NAME} --file`,
    );
    expect(readdirSync(join(h.dir, "backups"))).to.deep.equal([BACKUP_FILE]);
  });
});
