import { expect } from "chai";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InventoryCache } from "../../cli/inventory-cache";
import { cacheDir, resolveSourceSettings } from "../../cli/settings";
import { apiOptions } from "../../cli/sources";
import { MemoryLog } from "../../core/log";
import { buildInventory } from "../../inventory/build";
import { scopeInventory } from "../../inventory/scope";
import { BICAN_CAN, COMPUTE, system, UAN1, UAN2 } from "../inventory/system";
import { tempDir } from "../run";

describe("InventoryCache", () => {
  const setup = (env: Record<string, string> = {}) => {
    const dir = tempDir();
    const sls = join(dir, "sls.json");
    writeFileSync(sls, "{}");
    const settings = resolveSourceSettings(
      {},
      { UAN_K3S_SLS_FILE: sls, UAN_K3S_SCOPE: "k3s", XDG_CACHE_HOME: dir, ...env },
      undefined,
    );
    return { dir, sls, settings };
  };
  const whole = buildInventory(system([UAN1, UAN2, COMPUTE], [BICAN_CAN]), { hostnames: "xname" });
  const scoped = { inventory: scopeInventory(whole, "k3s"), total: whole.hostvars.size };

  it("gives back what it was given, in a 0600 file", () => {
    const { dir, settings } = setup();
    const log = new MemoryLog();
    InventoryCache.open(settings, undefined)!.write(scoped, log);
    expect(log.warnings).to.deep.equal([]);
    const read = InventoryCache.open(settings, undefined)!.read();
    expect(read).to.deep.equal(scoped);
    const [file] = readdirSync(join(dir, "uan-k3s"));
    expect(statSync(join(dir, "uan-k3s", file)).mode & 0o777).to.equal(0o600);
  });

  it("misses for another scope, host-name mode or K3s list", () => {
    const { settings } = setup();
    InventoryCache.open(settings, undefined)!.write(scoped, new MemoryLog());
    const other = [
      { ...settings, scope: { groups: ["k3s_server"] } },
      { ...settings, hostnames: "alias" as const },
    ];
    for (const changed of other)
      expect(InventoryCache.open(changed, undefined)!.read()).to.equal(undefined);
    const config = { path: "/etc/uan-k3s.yaml", data: { k3s: { servers: ["uan02"] } } };
    expect(InventoryCache.open(settings, config)!.read()).to.equal(undefined);
  });

  it("is off, as the API response cache is, for a user with no home (no HOME, no passwd entry)", () => {
    // What os.homedir() throws then, as it did under cron for a uid without a passwd entry.
    const homeless = (): string => {
      throw Object.assign(new Error("uv_os_homedir returned ENOENT"), { code: "ERR_SYSTEM_ERROR" });
    };
    expect(cacheDir({}, homeless)).to.equal(undefined);
    expect(cacheDir({ XDG_CACHE_HOME: "/var/cache/me" }, homeless)).to.equal(
      "/var/cache/me/uan-k3s",
    );
    expect(cacheDir({ XDG_CACHE_HOME: "relative" }, () => "/home/me")).to.equal(
      "/home/me/.cache/uan-k3s",
    );
    const settings = { ...setup().settings, cacheDir: undefined };
    expect(InventoryCache.open(settings, undefined)).to.equal(undefined);
    expect(apiOptions({ ...settings, slsFile: undefined }).cache).to.equal(undefined);
  });

  it("is not used for scope all, the API source, or cache_ttl 0", () => {
    expect(InventoryCache.open(setup({ UAN_K3S_SCOPE: "all" }).settings, undefined)).to.equal(
      undefined,
    );
    const api = { ...setup().settings, slsFile: undefined };
    expect(InventoryCache.open(api, undefined)).to.equal(undefined);
    expect(InventoryCache.open(setup({ UAN_K3S_CACHE_TTL: "0" }).settings, undefined)).to.equal(
      undefined,
    );
  });
});
