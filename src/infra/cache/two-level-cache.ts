import NodeCache from 'node-cache';
import type { Counter } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { perKeyCommands, type RedisClient } from '../redis/redis.js';
import type { Cache } from './cache.port.js';

/** L1 lifetime; short on purpose: broadcast invalidation is what keeps L1 fresh, this is the safety net. */
export const DEFAULT_L1_TTL_SECONDS = 5;
/** L2 (Redis) lifetime of a present value. */
export const DEFAULT_L2_TTL_SECONDS = 600;
/** L2 TTLs get up to this fraction added at random, so keys filled together do not expire together. */
export const DEFAULT_L2_JITTER_RATIO = 0.1;
/** How long "this id does not exist" is remembered, in both levels. */
export const DEFAULT_ABSENT_TTL_SECONDS = 30;
/** Upper bound on one Redis round trip, on top of the client's own `commandTimeout`. */
export const DEFAULT_REDIS_TIMEOUT_MS = 200;
/** At most one "redis unavailable" warning per cache per this many seconds. */
export const DEFAULT_WARN_INTERVAL_SECONDS = 10;
/** How often node-cache sweeps expired L1 entries (expired entries are also dropped on read). */
const L1_CHECK_PERIOD_SECONDS = 60;
/** Version given to "the loader found nothing", so any real version replaces it. */
export const ABSENT_VERSION = -1;

/** The versioned-write script's name on the ioredis client (defined once per client). */
const VERSIONED_SET_COMMAND = 'twoLevelCacheVersionedSet';

/**
 * KEYS[1] = cache key; ARGV = version, present ('1'|'0'), payload, ttl in ms.
 * Replaces the stored entry only when the new version is >= the stored one; returns 1 when
 * written, 0 when a newer version was already there. It touches KEYS[1] only (ioredis adds the
 * key prefix to it), so it runs unchanged on a Redis Cluster.
 */
const VERSIONED_SET_LUA = `
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[3])
else
  redis.call('HSET', KEYS[1], 'v', ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** What the loader (MySQL) returns for a key that exists. */
export interface Loaded<T> {
  value: T;
  version: number;
}

export interface TwoLevelCacheDeps {
  /** Shared client, ideally created with `enableOfflineQueue: false`, `maxRetriesPerRequest: 1` and a short `commandTimeout`. Not closed by the cache. */
  redis: RedisClient;
  metrics: Metrics;
  logger: Logger;
}

export interface TwoLevelCacheOptions<T> {
  /** Key namespace (`cache:<name>:<key>` in Redis) and the `cache` metrics label, e.g. 'store'. */
  name: string;
  /** Loads one key from the source of truth; null when it does not exist. Errors propagate to the reader. */
  load: (key: string) => Promise<Loaded<T> | null>;
  /** Optional batch loader used by `getMany` when more than one key misses; keys missing from the map are absent. */
  loadMany?: (keys: readonly string[]) => Promise<Map<string, Loaded<T>>>;
  /** L1 TTL in seconds (default 5); 0 disables L1 (single flight still applies). */
  l1TtlSeconds?: number;
  /** L2 TTL in seconds (default 600). */
  l2TtlSeconds?: number;
  /** Random extra L2 TTL as a fraction of it (default 0.1). */
  l2JitterRatio?: number;
  /** TTL in seconds of "does not exist", in L1 and L2 (default 30). */
  absentTtlSeconds?: number;
  /** Per-call Redis timeout in ms (default 200). */
  redisTimeoutMs?: number;
  /** Minimum seconds between two "redis unavailable" warnings (default 10). */
  warnIntervalSeconds?: number;
  /** Default `JSON.stringify`. */
  serialize?: (value: T) => string;
  /** Default `JSON.parse`. */
  deserialize?: (payload: string) => T;
}

type Entry<T> = { version: number; present: true; value: T } | { version: number; present: false };

interface Flight<T> {
  promise: Promise<Entry<T>>;
  /** Set when the key was invalidated while this flight ran: its result must not fill L1. */
  invalidated: boolean;
}

interface PendingFlight<T> {
  key: string;
  flight: Flight<T>;
  resolve: (entry: Entry<T>) => void;
  reject: (err: unknown) => void;
  entry?: Entry<T>;
  /** True when the entry came from the loader and must be written to L2. */
  loaded?: boolean;
}

type VersionedSet = (key: string, version: string, present: string, payload: string, ttlMs: string) => unknown;

const REDIS_FAILED = Symbol('redis-failed');

/**
 * Read-through cache: L1 (node-cache, per process) → L2 (Redis, shared) → loader (MySQL).
 *
 * - Concurrent misses of one key in one process share one Redis read and one loader call.
 * - Absent keys are cached as a sentinel for `absentTtlSeconds` in both levels.
 * - Every entry carries a version; Redis is written by a Lua script that never replaces a newer
 *   version, and L1 never replaces a newer version either (except on explicit eviction).
 * - Redis trouble never fails a read: it is counted (`cache_errors_total`), logged at most once
 *   per `warnIntervalSeconds`, and reads fall back to the loader.
 * - The highest version this process has been told about (`set`, `remove`,
 *   `applyRemoteChange(key, version)`) is remembered for `l2TtlSeconds`; an L2 entry older than
 *   that is treated as a miss, so a Redis write lost while Redis was down cannot serve stale data
 *   after the broadcast.
 */
export class TwoLevelCache<T> implements Cache<T> {
  private readonly l1: NodeCache;
  /** key → highest version announced to this process. */
  private readonly minVersions: NodeCache;
  private readonly flights = new Map<string, Flight<T>>();

  private readonly name: string;
  private readonly l1TtlSeconds: number;
  private readonly l2TtlSeconds: number;
  private readonly l2JitterRatio: number;
  private readonly absentTtlSeconds: number;
  private readonly redisTimeoutMs: number;
  private readonly warnIntervalMs: number;
  private readonly serialize: (value: T) => string;
  private readonly deserialize: (payload: string) => T;

  private readonly hits: Counter<string>;
  private readonly misses: Counter<string>;
  private readonly loads: Counter<string>;
  private readonly invalidations: Counter<string>;
  private readonly errors: Counter<string>;

  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private suppressedWarnings = 0;

  constructor(
    private readonly deps: TwoLevelCacheDeps,
    private readonly options: TwoLevelCacheOptions<T>,
  ) {
    if (!options.name || options.name.includes(':')) throw new Error(`cache name must be non-empty and without ':' (got '${options.name}')`);
    this.name = options.name;
    this.l1TtlSeconds = options.l1TtlSeconds ?? DEFAULT_L1_TTL_SECONDS;
    this.l2TtlSeconds = options.l2TtlSeconds ?? DEFAULT_L2_TTL_SECONDS;
    this.l2JitterRatio = options.l2JitterRatio ?? DEFAULT_L2_JITTER_RATIO;
    this.absentTtlSeconds = options.absentTtlSeconds ?? DEFAULT_ABSENT_TTL_SECONDS;
    this.redisTimeoutMs = options.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
    this.warnIntervalMs = (options.warnIntervalSeconds ?? DEFAULT_WARN_INTERVAL_SECONDS) * 1000;
    this.serialize = options.serialize ?? ((value) => JSON.stringify(value));
    this.deserialize = options.deserialize ?? ((payload) => JSON.parse(payload) as T);
    for (const [label, seconds] of [
      ['l1TtlSeconds', this.l1TtlSeconds],
      ['l2TtlSeconds', this.l2TtlSeconds],
      ['absentTtlSeconds', this.absentTtlSeconds],
    ] as const) {
      if (!(seconds >= 0) || (label !== 'l1TtlSeconds' && seconds === 0)) throw new Error(`${label} must be positive (got ${seconds})`);
    }

    // useClones: false — values are shared, callers treat them as read-only.
    this.l1 = new NodeCache({ useClones: false, checkperiod: L1_CHECK_PERIOD_SECONDS });
    this.minVersions = new NodeCache({ useClones: false, checkperiod: L1_CHECK_PERIOD_SECONDS });

    const { metrics } = deps;
    this.hits = metrics.counter('cache_hits_total', 'Cache hits by cache and level (l1, l2)', ['cache', 'level']);
    this.misses = metrics.counter('cache_misses_total', 'Cache misses by cache and level (l1, l2)', ['cache', 'level']);
    this.loads = metrics.counter('cache_loads_total', 'Keys loaded from the source of truth', ['cache']);
    this.invalidations = metrics.counter('cache_invalidations_total', 'Remote changes (invalidation broadcasts) applied', ['cache']);
    this.errors = metrics.counter('cache_errors_total', 'Cache errors by operation (redis get/set, decode, load)', ['cache', 'op']);

    const redis = deps.redis as unknown as Record<string, unknown>;
    if (typeof redis[VERSIONED_SET_COMMAND] !== 'function') {
      deps.redis.defineCommand(VERSIONED_SET_COMMAND, { numberOfKeys: 1, lua: VERSIONED_SET_LUA });
    }
  }

  /** The Redis key of `key`: `cache:<name>:<key>`. */
  redisKey(key: string): string {
    return `cache:${this.name}:${key}`;
  }

  async get(key: string): Promise<T | null> {
    const [value] = await this.getMany([key]);
    return value ?? null;
  }

  async getMany(keys: readonly string[]): Promise<(T | null)[]> {
    const found = new Map<string, Entry<T>>();
    const waiting: Array<[string, Promise<Entry<T>>]> = [];
    const toFetch: string[] = [];

    for (const key of new Set(keys)) {
      const hit = this.l1.get<Entry<T>>(key);
      if (hit !== undefined) {
        this.hits.inc({ cache: this.name, level: 'l1' });
        found.set(key, hit);
        continue;
      }
      this.misses.inc({ cache: this.name, level: 'l1' });
      const flight = this.flights.get(key);
      if (flight) waiting.push([key, flight.promise]);
      else toFetch.push(key);
    }
    if (toFetch.length > 0) waiting.push(...this.startFlights(toFetch));

    const entries = await Promise.all(waiting.map(([, promise]) => promise));
    waiting.forEach(([key], i) => found.set(key, entries[i]!));
    return keys.map((key) => {
      const entry = found.get(key);
      return entry?.present ? entry.value : null;
    });
  }

  async set(key: string, value: T, version: number): Promise<void> {
    await this.write(key, { version, present: true, value });
  }

  async remove(key: string, version: number): Promise<void> {
    await this.write(key, { version, present: false });
  }

  applyRemoteChange(key: string, version?: number): void {
    this.invalidations.inc({ cache: this.name });
    if (version === undefined) {
      this.evictLocal(key);
      return;
    }
    this.noteVersion(key, version);
    const current = this.l1.get<Entry<T>>(key);
    if (!current || current.version < version) this.l1.del(key);
    // A read in progress may have seen an older version; later readers must not join it. Its
    // result cannot fill L1 below `version` (see fillL1).
    this.flights.delete(key);
  }

  evictLocal(key: string): void {
    this.l1.del(key);
    const flight = this.flights.get(key);
    if (flight) {
      flight.invalidated = true;
      this.flights.delete(key);
    }
  }

  evictAll(): void {
    this.l1.del(this.l1.keys());
    for (const flight of this.flights.values()) flight.invalidated = true;
    this.flights.clear();
  }

  close(): void {
    // flushAll re-arms node-cache's check timer, so flush first and close (which clears it) last.
    this.l1.flushAll();
    this.minVersions.flushAll();
    this.l1.close();
    this.minVersions.close();
    for (const flight of this.flights.values()) flight.invalidated = true;
    this.flights.clear();
  }

  // ---------------------------------------------------------------------------------------------

  private async write(key: string, entry: Entry<T>): Promise<void> {
    this.noteVersion(key, entry.version);
    // L1 first: this process sees its own write even when Redis is down.
    this.fillL1(key, entry);
    // A tombstone lives as long as a value would, so it outlasts any slow loader of the old row.
    await this.writeL2([{ key, entry, ttlSeconds: this.l2TtlSeconds }], 'set');
  }

  private startFlights(keys: string[]): Array<[string, Promise<Entry<T>>]> {
    const pending = keys.map((key): PendingFlight<T> => {
      let resolve!: (entry: Entry<T>) => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<Entry<T>>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const flight: Flight<T> = { promise, invalidated: false };
      this.flights.set(key, flight);
      return { key, flight, resolve, reject };
    });
    void this.runFlights(pending);
    return pending.map((p) => [p.key, p.flight.promise]);
  }

  /** L2 → loader → L2 write-back → L1 fill; settles every pending flight, never rejects itself. */
  private async runFlights(pending: PendingFlight<T>[]): Promise<void> {
    const settle = (p: PendingFlight<T>, outcome: { entry: Entry<T> } | { err: unknown }) => {
      if (this.flights.get(p.key) === p.flight) this.flights.delete(p.key);
      if ('err' in outcome) p.reject(outcome.err);
      else p.resolve(this.fillL1(p.key, outcome.entry, p.flight));
    };
    try {
      const fromL2 = await this.readL2(pending.map((p) => p.key));
      const toLoad: PendingFlight<T>[] = [];
      for (const p of pending) {
        const entry = fromL2?.get(p.key);
        if (entry && entry.version >= this.minVersion(p.key)) {
          this.hits.inc({ cache: this.name, level: 'l2' });
          p.entry = entry;
        } else {
          this.misses.inc({ cache: this.name, level: 'l2' });
          toLoad.push(p);
        }
      }

      const failed = new Map<PendingFlight<T>, unknown>();
      if (toLoad.length > 0) await this.loadInto(toLoad, failed);

      const writes = pending
        .filter((p) => p.loaded && p.entry)
        .map((p) => ({ key: p.key, entry: p.entry!, ttlSeconds: p.entry!.present ? this.l2TtlSeconds : this.absentTtlSeconds }));
      if (writes.length > 0) await this.writeL2(writes, 'set');

      for (const p of pending) {
        if (failed.has(p)) settle(p, { err: failed.get(p) });
        else settle(p, { entry: p.entry! });
      }
    } catch (err) {
      // Only reachable through a bug (Redis and loader errors are handled above); never leave readers hanging.
      for (const p of pending) settle(p, { err });
    }
  }

  private async loadInto(toLoad: PendingFlight<T>[], failed: Map<PendingFlight<T>, unknown>): Promise<void> {
    const toEntry = (loaded: Loaded<T> | null | undefined): Entry<T> =>
      loaded ? { version: loaded.version, present: true, value: loaded.value } : { version: ABSENT_VERSION, present: false };
    const { loadMany } = this.options;
    this.loads.inc({ cache: this.name }, toLoad.length);

    if (loadMany && toLoad.length > 1) {
      try {
        const loaded = await loadMany(toLoad.map((p) => p.key));
        for (const p of toLoad) {
          p.entry = toEntry(loaded.get(p.key));
          p.loaded = true;
        }
      } catch (err) {
        this.errors.inc({ cache: this.name, op: 'load' }, toLoad.length);
        for (const p of toLoad) failed.set(p, err);
      }
      return;
    }

    const results = await Promise.allSettled(toLoad.map((p) => this.options.load(p.key)));
    results.forEach((result, i) => {
      const p = toLoad[i]!;
      if (result.status === 'fulfilled') {
        p.entry = toEntry(result.value);
        p.loaded = true;
      } else {
        this.errors.inc({ cache: this.name, op: 'load' });
        failed.set(p, result.reason);
      }
    });
  }

  /**
   * Puts `entry` in L1 unless L1 holds a newer version, the key was invalidated while the entry
   * was being read, or this process already knows a newer version exists. Returns the newest
   * entry known locally, which is what the reader gets.
   */
  private fillL1(key: string, entry: Entry<T>, flight?: Flight<T>): Entry<T> {
    const current = this.l1.get<Entry<T>>(key);
    if (current && current.version > entry.version) return current;
    if (flight?.invalidated) return entry;
    if (entry.version < this.minVersion(key)) return entry;
    const ttl = entry.present ? this.l1TtlSeconds : this.absentTtlSeconds;
    if (this.l1TtlSeconds > 0) this.l1.set(key, entry, ttl);
    return entry;
  }

  private noteVersion(key: string, version: number): void {
    if (version > this.minVersion(key)) this.minVersions.set(key, version, this.l2TtlSeconds);
  }

  private minVersion(key: string): number {
    return this.minVersions.get<number>(key) ?? Number.NEGATIVE_INFINITY;
  }

  /** One round trip for all keys; null when Redis is unavailable. Entries that cannot be decoded count as misses. */
  private async readL2(keys: string[]): Promise<Map<string, Entry<T>> | null> {
    const result = await this.guarded('get', () => perKeyCommands(this.deps.redis, keys, (redis, key) => redis.hmget(this.redisKey(key), 'v', 'd')));
    if (result === REDIS_FAILED) return null;
    const entries = new Map<string, Entry<T>>();
    let failure: unknown;
    keys.forEach((key, i) => {
      const [err, reply] = result?.[i] ?? [new Error('missing pipeline reply'), null];
      if (err) {
        failure = err;
        return;
      }
      const [version, payload] = reply as [string | null, string | null];
      if (version === null) return;
      try {
        entries.set(
          key,
          payload === null
            ? { version: Number(version), present: false }
            : { version: Number(version), present: true, value: this.deserialize(payload) },
        );
      } catch (decodeErr) {
        this.errors.inc({ cache: this.name, op: 'decode' });
        this.warn('decode', decodeErr, 'cache: undecodable Redis entry, treated as a miss');
      }
    });
    if (failure !== undefined) this.redisFailed('get', failure);
    return entries;
  }

  private async writeL2(writes: Array<{ key: string; entry: Entry<T>; ttlSeconds: number }>, op: string): Promise<void> {
    let encoded: Array<[string, string, string, string, string]>;
    try {
      encoded = writes.map(({ key, entry, ttlSeconds }) => [
        this.redisKey(key),
        String(entry.version),
        entry.present ? '1' : '0',
        entry.present ? this.serialize(entry.value) : '',
        String(this.ttlMs(ttlSeconds)),
      ]);
    } catch (err) {
      this.errors.inc({ cache: this.name, op: 'encode' });
      this.warn('encode', err, 'cache: value could not be serialized, Redis not updated');
      return;
    }
    const result = await this.guarded(op, () =>
      perKeyCommands(this.deps.redis, encoded, (redis, args) => (redis as unknown as Record<string, VersionedSet>)[VERSIONED_SET_COMMAND]!.apply(redis, args)),
    );
    if (result === REDIS_FAILED) return;
    const failure = result?.find(([err]) => err)?.[0];
    if (failure) this.redisFailed(op, failure);
  }

  /** TTL in ms with random jitter. */
  private ttlMs(seconds: number): number {
    return Math.max(1, Math.round(seconds * 1000 * (1 + Math.random() * this.l2JitterRatio)));
  }

  /** Runs one Redis round trip with a timeout; failures are counted, logged (throttled) and turned into REDIS_FAILED. */
  private async guarded<R>(op: string, run: () => Promise<R>): Promise<R | typeof REDIS_FAILED> {
    let timer: NodeJS.Timeout | undefined;
    const call = run();
    // If the timeout wins, the call may still reject later: keep that from becoming an unhandled rejection.
    call.catch(() => undefined);
    try {
      return await Promise.race([
        call,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`redis timeout after ${this.redisTimeoutMs} ms`)), this.redisTimeoutMs);
        }),
      ]);
    } catch (err) {
      this.redisFailed(op, err);
      return REDIS_FAILED;
    } finally {
      clearTimeout(timer);
    }
  }

  private redisFailed(op: string, err: unknown): void {
    this.errors.inc({ cache: this.name, op });
    this.warn(op, err, 'cache: redis unavailable or failing, falling back to L1 and the loader');
  }

  /** At most one warning per interval; the next one says how many were suppressed. */
  private warn(op: string, err: unknown, message: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < this.warnIntervalMs) {
      this.suppressedWarnings++;
      return;
    }
    this.deps.logger.warn(
      { cache: this.name, op, err: err instanceof Error ? err.message : String(err), suppressed: this.suppressedWarnings },
      message,
    );
    this.lastWarnAt = now;
    this.suppressedWarnings = 0;
  }
}
