import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/fs";
import type { Log } from "../core/log";
import type { HostVars, Inventory } from "../inventory/build";
import type { LoadedConfig } from "./config";
import type { SourceSettings } from "./settings";

/** A scoped inventory and the size of the whole one it was cut from (for --verbose). */
export interface ScopedInventory {
  readonly inventory: Inventory;
  readonly total: number;
}

/** Bumped whenever what is stored, or how an inventory is built, changes meaning. */
const FORMAT = 1;

interface Entry {
  readonly key: string;
  readonly total: number;
  readonly groups: [string, readonly string[]][];
  readonly hostvars: [string, HostVars][];
  readonly vars: Record<string, string>;
  readonly hostByName: [string, string][];
  readonly k3s: Inventory["k3s"];
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

/**
 * The scoped inventory of a file source, kept between runs. Ansible runs the script on every
 * command, and on a large system reading and building the whole inventory takes seconds that
 * a scope of 32 UANs should not pay each time. The key holds everything the result depends
 * on: the dump and groups files by identity (device, inode, size, mtime, ctime), the config
 * file's K3s lists, K3s subnet FullName and path, the host-name mode, the scope and the compiled modules that read
 * and build it; any change is a miss. Only file sources: API responses have their own cache with its TTL. Off with
 * cache_ttl 0, skipped on read with --refresh; a cache problem is a miss, never an error.
 */
export class InventoryCache {
  private constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly dir: string,
  ) {}

  /** The cache for this run's settings, or undefined when they call for none. */
  static open(
    settings: SourceSettings,
    config: LoadedConfig | undefined,
  ): InventoryCache | undefined {
    const dir = settings.cacheDir;
    if (
      settings.scope === "all" ||
      settings.slsFile === undefined ||
      settings.cacheTtl <= 0 ||
      dir === undefined
    )
      return undefined;
    let material: string;
    try {
      material = JSON.stringify([
        FORMAT,
        identity(settings.slsFile),
        settings.hsmFile === undefined ? null : identity(settings.hsmFile),
        buildIdentity(),
        config?.path ?? null,
        config?.data.k3s?.servers ?? null,
        config?.data.k3s?.agents ?? null,
        config?.data.sls_can_metallb_fullname ?? null,
        settings.hostnames,
        settings.scope,
      ]);
    } catch {
      return undefined; // a missing file: let the real read report it
    }
    // Loaded here, past the scope check: node:crypto costs a --list of scope all a tenth of its
    // startup, for a hash it never takes.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createHash } = require("node:crypto") as typeof import("node:crypto");
    const key = createHash("sha256").update(material).digest("hex");
    return new InventoryCache(join(dir, `inventory-${key}.json`), key, dir);
  }

  read(): ScopedInventory | undefined {
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(this.file, "utf8")) as Entry;
    } catch {
      return undefined;
    }
    if (entry.key !== this.key) return undefined;
    return {
      total: entry.total,
      inventory: {
        groups: new Map(entry.groups),
        hostvars: new Map(entry.hostvars),
        vars: entry.vars,
        hostByName: new Map(entry.hostByName),
        k3s: entry.k3s,
        warnings: entry.warnings,
        notes: entry.notes,
      },
    };
  }

  write({ inventory, total }: ScopedInventory, log: Log): void {
    const entry: Entry = {
      key: this.key,
      total,
      groups: [...inventory.groups],
      hostvars: [...inventory.hostvars],
      vars: inventory.vars,
      hostByName: [...inventory.hostByName],
      k3s: inventory.k3s,
      warnings: inventory.warnings,
      notes: inventory.notes,
    };
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // mkdir leaves an existing directory's mode alone; the entry names every UAN's address.
      chmodSync(this.dir, 0o700);
      writeFileAtomic(this.file, JSON.stringify(entry), 0o600);
    } catch (error) {
      log.warn(`cannot cache the scoped inventory in ${this.dir}: ${(error as Error).message}`);
    }
  }
}

/** The modules that read the files and build the inventory: a rebuilt program is a miss. */
function buildIdentity(): string[][] {
  const dist = join(__dirname, "..");
  const inventory = join(dist, "inventory");
  return [
    ...readdirSync(inventory)
      .filter((name) => name.endsWith(".js"))
      .sort()
      .map((name) => identity(join(inventory, name))),
    identity(join(dist, "csm", "file-source.js")),
    identity(join(dist, "csm", "source.js")),
  ];
}

function identity(path: string): string[] {
  const stat = statSync(path, { bigint: true });
  return [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].map(String);
}
