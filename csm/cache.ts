import { createHash, randomUUID } from "node:crypto";
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
  /** The cache's generation when the request was sent (see ResponseCache.generation). */
  generation: string;
  body: string;
}

const ENTRY = /^[0-9a-f]{64}\.json$/;
const GENERATION = "generation";

/**
 * Successful GET bodies of the SLS/HSM sources, one file per URL named by its sha256, so that
 * repeated inventory runs (Ansible calls the script often) do not hit the gateway each time.
 * The files can describe the whole system's layout: the directory is 0700, the files 0600.
 * A cache problem is never fatal: an unreadable entry is a miss, an unwritable one a warning.
 *
 * Only a body the caller accepted is written (a 200 of the wrong shape would fail every run for
 * the TTL). Runs are separate processes: an inventory run whose GET was sent before a
 * `split --apply` cleared the cache gets the pre-split body after the clear. So clear() starts
 * a new generation first, every entry records the generation its request was sent in, and an
 * entry of an older generation is never written nor read.
 */
export class ResponseCache {
  private warned = false;

  constructor(
    private readonly options: CacheOptions,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Which generation the cache is in: read before sending a request, handed to write() with
   * its answer. "" before the first clear().
   */
  generation(): string {
    try {
      return readFileSync(join(this.options.dir, GENERATION), "utf8");
    } catch {
      return "";
    }
  }

  /** The parsed body cached for `url` if it is fresh, intact and of the current generation. */
  read(url: string): { value: unknown } | undefined {
    if (this.options.refresh || this.options.ttlSeconds <= 0) return undefined;
    let envelope: Envelope;
    let value: unknown;
    try {
      envelope = JSON.parse(readFileSync(this.file(url), "utf8")) as Envelope;
      if (envelope.url !== url || typeof envelope.body !== "string") return undefined;
      if (envelope.generation !== this.generation()) return undefined; // cleared since
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

  /** Keeps `body`, the accepted answer to a GET of `url` sent in `generation`. */
  write(url: string, body: string, generation: string): void {
    if (this.options.ttlSeconds <= 0) return;
    // Cleared while the request was out: the answer may predate the write that cleared it.
    if (generation !== this.generation()) return;
    const fetchedAt = new Date(this.now()).toISOString();
    const envelope: Envelope = { url, fetchedAt, generation, body };
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

  /**
   * Forgets every entry: after a write to the API, cached reads may be stale. A new generation
   * first, so that no entry of a request already sent (by any process) counts afterwards.
   */
  clear(): void {
    try {
      this.ensureDir();
      writeFileAtomic(join(this.options.dir, GENERATION), randomUUID(), 0o600);
    } catch (error) {
      this.log.warn(
        `cannot reset the API response cache in ${this.options.dir}: ${(error as Error).message}; ` +
          "other runs may use responses from before this write for up to the cache TTL",
      );
    }
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
