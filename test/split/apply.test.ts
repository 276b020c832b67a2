import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { createCsmClient, type CsmClient } from "../../csm/api-client";
import { ApiSlsSource } from "../../csm/api-source";
import {
  applySplit,
  networkChanges,
  planSplit,
  previewRestore,
  restoreNetwork,
  type SlsWriter,
  type SplitPlanned,
} from "../../split";
import { subnetsOf } from "../../inventory/networks";
import type { SlsNetwork, SlsSubnet } from "../../schemas/generated/sls";
import { seedSystem, useSimulator } from "../csm/harness";
import { needs } from "../tools";

const CAN = "/apis/sls/v1/networks/CAN";
const VERSION = "/apis/sls/v1/version";
const AT = new Date("2025-04-17T12:10:43.552Z");
const BACKUP_NAME = "sls-CAN-backup-20250417T121043Z.json";

/** A network without the stamps SLS sets on every write. */
function content(network: SlsNetwork | undefined): Omit<SlsNetwork, "LastUpdated"> {
  const { LastUpdated: _at, LastUpdatedTime: _time, ...rest } = network!;
  return rest;
}

describe("applySplit and restoreNetwork against the simulator", function () {
  needs(this, "openssl");
  const h = useSimulator();
  const seedCan = seedSystem().sls.Networks.CAN!;
  let client: CsmClient;
  let backupDir: string;

  const state = (): SlsNetwork => h.sim.state.sls.Networks.CAN!;
  const writes = (): number => h.sim.requests.filter((r) => r.method === "PUT").length;

  beforeEach(() => {
    // The simulator lives for the whole suite; every test starts from the seed's CAN.
    h.sim.state.sls.Networks.CAN = structuredClone(seedCan);
    client = createCsmClient(h.options(), h.log);
    backupDir = join(h.dir, "backups");
  });

  /** Plans the split the way the CLI does: from SLS through the API. */
  async function plan(): Promise<SplitPlanned> {
    const { networks } = await new ApiSlsSource(client).load();
    const planned = planSplit(networks);
    if (planned.kind !== "split") throw new Error("expected a split");
    h.sim.requests.length = 0;
    return planned;
  }

  const apply = (planned: SplitPlanned, writer: SlsWriter = client) =>
    applySplit(writer, planned, { backupDir, log: h.log, now: () => AT });

  /** The client, with every PUT body passed through `change` first. */
  function rewritingPuts(change: (body: SlsNetwork) => SlsNetwork): SlsWriter {
    return {
      gateway: client.gateway,
      getJson: (path, options) => client.getJson(path, options),
      putJson: (path, body) => client.putJson(path, change(structuredClone(body as SlsNetwork))),
    };
  }

  describe("applySplit", () => {
    it("puts the K3s subnet right after the original, after a 0600 backup of CAN as read", async () => {
      const planned = await plan();
      const result = await apply(planned);

      expect(result.backupFile).to.equal(join(backupDir, BACKUP_NAME));
      expect(statSync(result.backupFile).mode & 0o777).to.equal(0o600);
      expect(JSON.parse(readFileSync(result.backupFile, "utf8"))).to.deep.equal(seedCan);
      expect(result.undoCommand).to.equal(`uan-k3s split --restore ${result.backupFile} --yes`);

      expect(subnetsOf(state()).map((s) => [s.FullName, s.CIDR])).to.deep.equal([
        ["CAN Bootstrap DHCP Subnet", "10.102.20.128/25"],
        ["CAN Dynamic MetalLB", "10.102.20.192/27"],
        ["CAN Dynamic MetalLB K3s", "10.102.20.224/27"],
      ]);
      expect(content(state())).to.deep.equal(content(planned.networkAfter));
      expect(result.network).to.deep.equal(state());
      expect(state().LastUpdated).not.to.equal(seedCan.LastUpdated);
      expect(h.sim.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
        `GET ${VERSION}`,
        `GET ${CAN}`,
        `PUT ${CAN}`,
        `GET ${CAN}`,
        `GET ${VERSION}`,
      ]);
      expect(h.log.warnings).to.deep.equal([]);
    });

    it("warns when SLS counted a write by someone else during its own", async () => {
      const planned = await plan();
      await apply(
        planned,
        rewritingPuts((body) => {
          // Another admin's write of another network, just before ours.
          h.sim.state.version.Counter += 1;
          return body;
        }),
      );
      expect(h.log.warnings).to.have.length(1);
      expect(h.log.warnings[0]).to.match(
        /^SLS counted 1 write\(s\) by someone else while uan-k3s wrote CAN \(its \/version Counter went from \d+ to \d+\)\. If one of them changed CAN just before this write, that change is lost/,
      );
    });

    it("writes without the count when /version cannot be read", async () => {
      const planned = await plan();
      h.sim.inject({ path: VERSION, kind: "status", status: 404, times: Infinity });
      const result = await apply(planned);
      expect(subnetsOf(result.network)).to.have.length(3);
      expect(h.log.infos.join("\n")).to.include(
        `cannot read ${VERSION} (GET ${h.sim.url}${VERSION}: 404`,
      );
      expect(h.log.warnings).to.deep.equal([]);
    });

    it("sends the planned network whole, its Name the one in the URL", async () => {
      const planned = await plan();
      const sent: [string, unknown][] = [];
      await apply(planned, {
        gateway: client.gateway,
        getJson: (path, options) => client.getJson(path, options),
        putJson: (path, body) => {
          sent.push([path, body]);
          return client.putJson(path, body);
        },
      });
      expect(sent).to.deep.equal([[CAN, planned.networkAfter]]);
      expect((sent[0][1] as SlsNetwork).Name).to.equal("CAN");
      expect(state().Name).to.equal("CAN");
    });

    const underneath: [string, (can: SlsNetwork) => void, string][] = [
      [
        "a reservation added",
        (can) =>
          subnetsOf(can)[0].IPReservations!.push({ Name: "ims-new", IPAddress: "10.102.20.230" }),
        'subnet "bootstrap_dhcp": IPReservation "ims-new" (10.102.20.230) added',
      ],
      [
        "a CIDR changed",
        (can) => (subnetsOf(can)[1].CIDR = "10.102.20.128/26"),
        'subnet "can_metallb_address_pool": CIDR was "10.102.20.192/26", now "10.102.20.128/26"',
      ],
      [
        "a subnet added",
        (can) =>
          subnetsOf(can).push({ Name: "can_extra", FullName: "CAN Extra", CIDR: "10.102.20.0/30" }),
        'subnet "can_extra" (10.102.20.0/30) added',
      ],
      [
        "a subnet removed",
        (can) => subnetsOf(can).pop(),
        'subnet "can_metallb_address_pool" (10.102.20.192/26) removed',
      ],
      ["only LastUpdated", (can) => (can.LastUpdated = 1800000000), "LastUpdated changed"],
    ];
    for (const [what, change, expected] of underneath) {
      it(`stops before the PUT when CAN changed since the plan: ${what}`, async () => {
        const planned = await plan();
        change(state());
        const changed = structuredClone(state());
        const error = await h.failure(apply(planned));
        expect(error.message).to.match(/^CAN changed in SLS since it was planned: /);
        expect(error.message).to.include(expected);
        expect(error.message).to.match(/Nothing was written to SLS\.$/);
        expect(error.hint).to.include("Run uan-k3s split again");
        expect(writes()).to.equal(0);
        expect(state()).to.deep.equal(changed);
        expect(readdirSync(backupDir)).to.deep.equal([BACKUP_NAME]);
      });
    }

    it("says SLS may or may not have changed when the PUT keeps failing, and keeps the backup", async () => {
      const planned = await plan();
      h.sim.inject({ path: CAN, method: "PUT", kind: "status", status: 500, times: Infinity });
      const error = await h.failure(apply(planned));
      const backupFile = join(backupDir, BACKUP_NAME);
      expect(error.message).to.match(
        /^PUT \S+\/apis\/sls\/v1\/networks\/CAN failed after 4 attempts/,
      );
      expect(error.message).to.include(
        `SLS may or may not have changed; the backup ${backupFile} is intact.`,
      );
      expect(error.hint).to.include(`GET ${h.sim.url}${CAN}`);
      expect(error.hint).to.include(`uan-k3s split --restore ${backupFile} --yes`);
      expect(writes()).to.equal(4);
      expect(JSON.parse(readFileSync(backupFile, "utf8"))).to.deep.equal(seedCan);
      expect(state()).to.deep.equal(seedCan);
    });

    it("says the write did not take when SLS does not hold the K3s subnet afterwards", async () => {
      const planned = await plan();
      const dropK3s = rewritingPuts((body) => {
        const subnets = subnetsOf(body);
        body.ExtraProperties!.Subnets = subnets.filter((s) => !s.FullName.endsWith("K3s"));
        return body;
      });
      const error = await h.failure(apply(planned, dropK3s));
      expect(error.message).to.include('it has 0 subnets "CAN Dynamic MetalLB K3s", not one');
      expect(error.message).to.include(
        `The write did not take; restore with uan-k3s split --restore ${join(backupDir, BACKUP_NAME)} --yes`,
      );
    });

    it("names a K3s subnet stored with another CIDR or before the original", async () => {
      const planned = await plan();
      const misplaced = rewritingPuts((body) => {
        const [bootstrap, lower, k3s] = subnetsOf(body);
        body.ExtraProperties!.Subnets = [bootstrap, { ...k3s, CIDR: "10.102.20.224/28" }, lower];
        return body;
      });
      const error = await h.failure(apply(planned, misplaced));
      expect(error.message).to.include(
        '"CAN Dynamic MetalLB K3s" is not after "CAN Dynamic MetalLB"; ' +
          '"CAN Dynamic MetalLB K3s" has CIDR 10.102.20.224/28, not the planned 10.102.20.224/27',
      );
      expect(error.message).to.include("Subnets[] reordered");
      expect(error.message).to.include("The write did not take");
    });
  });

  describe("restoreNetwork", () => {
    const restore = (backupFile: string, expectedCurrent?: SlsNetwork) =>
      restoreNetwork(client, backupFile, { log: h.log, expectedCurrent, now: () => AT });

    it("puts CAN back as it was before the split, after backing up the split CAN", async () => {
      const applied = await apply(await plan());
      const split = structuredClone(state());
      const result = await restore(applied.backupFile);

      expect(content(state())).to.deep.equal(content(seedCan));
      expect(result.written).to.equal(true);
      expect(result.network).to.deep.equal(state());
      expect(result.previous).to.deep.equal(split);
      expect(result.restoredFrom).to.equal(applied.backupFile);
      // Same second as the apply's backup: a new name, the first backup untouched.
      expect(basename(result.backupFile)).to.equal("sls-CAN-backup-20250417T121043Z-2.json");
      expect(statSync(result.backupFile).mode & 0o777).to.equal(0o600);
      expect(JSON.parse(readFileSync(result.backupFile, "utf8"))).to.deep.equal(split);
      expect(JSON.parse(readFileSync(applied.backupFile, "utf8"))).to.deep.equal(seedCan);
      expect(result.undoCommand).to.equal(`uan-k3s split --restore ${result.backupFile} --yes`);
    });

    it("writes nothing when SLS already holds the backup", async () => {
      const applied = await apply(await plan());
      await restore(applied.backupFile);
      h.sim.requests.length = 0;
      const again = await restore(applied.backupFile);
      expect(again.written).to.equal(false);
      expect(writes()).to.equal(0);
      expect(existsSync(again.backupFile)).to.equal(true);
    });

    it("stops when SLS differs from what the caller showed", async () => {
      const applied = await apply(await plan());
      const shown = structuredClone(state());
      subnetsOf(state())[0].IPReservations!.pop();
      h.sim.requests.length = 0;
      const error = await h.failure(restore(applied.backupFile, shown));
      expect(error.message).to.match(/^CAN changed in SLS since it was shown: .*uan03.* removed/);
      expect(writes()).to.equal(0);
    });

    it("refuses a backup that is not an SLS network, before any request", async () => {
      const file = join(h.dir, "bad.json");
      writeFileSync(file, '{"FullName": "Customer Access Network"}\n');
      const error = await h.failure(restore(file));
      expect(error.message).to.equal(`${file}: / must have required property 'Name'`);
      const missing = await h.failure(restore(join(h.dir, "missing.json")));
      expect(missing.message).to.match(/^cannot read backup .*missing\.json: no such file$/);
      expect(h.sim.requests).to.deep.equal([]);
    });

    it("refuses a backup that is not a whole network, which the PUT would make the whole of CAN", async () => {
      for (const [body, missing] of [
        ['{"Name": "CAN"}', "IPRanges and no ExtraProperties"],
        ['{"Name": "CAN", "IPRanges": ["10.102.20.128/25"]}', "ExtraProperties"],
      ]) {
        const file = join(h.dir, "partial.json");
        writeFileSync(file, `${body}\n`);
        const error = await h.failure(restore(file));
        expect(error.message).to.equal(`${file} is not a whole SLS network: it has no ${missing}`);
      }
      expect(h.sim.requests).to.deep.equal([]);
    });

    it("says the restore did not take when SLS holds something else afterwards", async () => {
      const applied = await apply(await plan());
      const writer = rewritingPuts((body) => ({ ...body, FullName: "Something Else" }));
      const error = await h.failure(
        restoreNetwork(writer, applied.backupFile, { log: h.log, now: () => AT }),
      );
      expect(error.message).to.equal(
        `SLS does not hold CAN as in ${applied.backupFile}: FullName was "Customer Access Network", now "Something Else". The restore did not take.`,
      );
      expect(error.hint).to.include(join(backupDir, "sls-CAN-backup-20250417T121043Z-2.json"));
    });

    it("keeps both backups and says so when the PUT keeps failing", async () => {
      const applied = await apply(await plan());
      h.sim.inject({ path: CAN, method: "PUT", kind: "status", status: 500, times: Infinity });
      const error = await h.failure(restore(applied.backupFile));
      expect(error.message).to.include("SLS may or may not have changed;");
      expect(error.message).to.include(`${applied.backupFile} and `);
      expect(error.hint).to.include("run the same restore again");
      expect(readdirSync(backupDir).sort()).to.deep.equal([
        "sls-CAN-backup-20250417T121043Z-2.json",
        BACKUP_NAME,
      ]);
    });
  });
});

describe("previewRestore against the simulator", function () {
  needs(this, "openssl");
  const h = useSimulator();
  const seedCan = seedSystem().sls.Networks.CAN!;

  it("says what putting the backup back would change, and writes nothing", async () => {
    const client = createCsmClient(h.options(), h.log);
    const backup = structuredClone(seedCan);
    subnetsOf(h.sim.state.sls.Networks.CAN!)[0].IPReservations!.pop();
    const preview = await previewRestore(client, backup);
    expect(preview.backup).to.equal(backup);
    expect(preview.current).to.deep.equal(h.sim.state.sls.Networks.CAN);
    expect(preview.changes).to.have.length(1);
    expect(preview.changes[0]).to.match(/^subnet "bootstrap_dhcp": IPReservation .* added$/);
    expect(h.sim.requests.map((r) => r.method)).to.deep.equal(["POST", "GET"]);
    h.sim.state.sls.Networks.CAN = structuredClone(seedCan);
    expect((await previewRestore(client, backup)).changes).to.deep.equal([]);
  });
});

describe("networkChanges", () => {
  const network = (subnets: SlsSubnet[]): SlsNetwork => ({
    Name: "CAN",
    LastUpdated: 1,
    ExtraProperties: { CIDR: "10.0.0.0/24", Subnets: subnets },
  });
  const pool: SlsSubnet = {
    Name: "pool",
    FullName: "Pool",
    CIDR: "10.0.0.0/26",
    IPReservations: [{ Name: "a", IPAddress: "10.0.0.2" }],
  };

  it("is empty for equal networks, whatever their key order", () => {
    const reordered = JSON.parse(canonicalOrderReversed(network([pool]))) as SlsNetwork;
    expect(networkChanges(network([pool]), reordered, { stamps: true })).to.deep.equal([]);
  });

  it("ignores the write stamps unless asked", () => {
    const later = { ...network([pool]), LastUpdated: 2, LastUpdatedTime: "later" };
    expect(networkChanges(network([pool]), later, { stamps: false })).to.deep.equal([]);
    expect(networkChanges(network([pool]), later, { stamps: true })).to.deep.equal([
      "LastUpdated changed (the network was written since it was read, perhaps with the same content)",
    ]);
  });

  it("names a changed reservation and a changed network key", () => {
    const changed = network([{ ...pool, IPReservations: [{ Name: "a", IPAddress: "10.0.0.3" }] }]);
    changed.ExtraProperties!.CIDR = "10.0.0.0/23";
    expect(networkChanges(network([pool]), changed, { stamps: true })).to.deep.equal([
      'ExtraProperties.CIDR was "10.0.0.0/24", now "10.0.0.0/23"',
      'subnet "pool": IPReservation "a" changed',
    ]);
  });

  it("says only that Subnets[] changed when two subnets share a Name", () => {
    const twice = network([pool, { ...pool, CIDR: "10.0.0.64/26" }]);
    expect(networkChanges(network([pool]), twice, { stamps: true })).to.deep.equal([
      "Subnets[] changed",
    ]);
  });
});

/** The same JSON with every object's keys in reverse order. */
function canonicalOrderReversed(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    field !== null && typeof field === "object" && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).reverse())
      : field,
  );
}
