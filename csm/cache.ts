import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/fs";
import type { Log } from "../core/log";

/** Where and how long raw GET responses are kept between runs. */
export interface CacheOptions {
  /** The CLI passes `$XDG_CACHE_HOME/uan-k3s`, else `~/.cache/uan-k3s`. */
  dir: string;
  /** How long a response counts as fresh; 0 turns the cache off. */
  ttlSeconds: number;
  /** Skip reading (still write), for `--refresh`. @default false */
  refresh: boolean;
}

interface Envelope {
  url: string;
  fetchedAt: string;
  body: string;
}

const ENTRY = /^[0-9a-f]{64}\.json$/;

/**
 * Successful GET bodies of the SLS/HSM sources, one file per URL named by its sha256, so that
 * repeated inventory runs (Ansible calls the script often) do not hit the gateway each time.
 * The files can describe the whole system's layout: the directory is 0700, the files 0600.
 * A cache problem is never fatal: an unreadable entry is a miss, an unwritable one a warning.
 */
export class ResponseCache {
  private warned = false;

  constructor(
    private readonly options: CacheOptions,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  /** The parsed body cached for `url` if it is fresh and intact. */
  read(url: string): { value: unknown } | undefined {
    if (this.options.refresh || this.options.ttlSeconds <= 0) return undefined;
    let envelope: Envelope;
    let value: unknown;
    try {
      envelope = JSON.parse(readFileSync(this.file(url), "utf8")) as Envelope;
      if (envelope.url !== url || typeof envelope.body !== "string") return undefined;
      value = JSON.parse(envelope.body);
    } catch {
      return undefined; // missing or corrupt: fetch it again
    }
    const ageSeconds = (this.now() - Date.parse(envelope.fetchedAt)) / 1000;
    if (!(ageSeconds >= 0 && ageSeconds < this.options.ttlSeconds)) return undefined;
    this.log.debug?.(
      `using the cached GET ${url} from ${Math.round(ageSeconds)} s ago (--refresh to fetch it again)`,
    );
    return { value };
  }

  write(url: string, body: string): void {
    if (this.options.ttlSeconds <= 0) return;
    const envelope: Envelope = { url, fetchedAt: new Date(this.now()).toISOString(), body };
    try {
      this.ensureDir();
      writeFileAtomic(this.file(url), JSON.stringify(envelope), 0o600);
    } catch (error) {
      if (this.warned) return; // once per run is enough: every write would fail alike
      this.warned = true;
      this.log.warn(
        `cannot cache API responses in ${this.options.dir}: ${(error as Error).message}`,
      );
    }
  }

  /** Forgets every entry: after a write to the API, cached reads may be stale. */
  clear(): void {
    let names: string[];
    try {
      names = readdirSync(this.options.dir);
    } catch {
      return; // no cache directory, nothing cached
    }
    for (const name of names.filter((entry) => ENTRY.test(entry))) {
      rmSync(join(this.options.dir, name), { force: true });
    }
  }

  private ensureDir(): void {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    // mkdir leaves an existing directory's mode alone; a cache from elsewhere may be wider.
    chmodSync(this.options.dir, 0o700);
  }

  private file(url: string): string {
    return join(this.options.dir, `${createHash("sha256").update(url).digest("hex")}.json`);
  }
}
