import NodeCache from 'node-cache';
import type { Counter } from 'prom-client';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { IdPage } from './store.repository.js';

/** How long a listing page (ids in order) is reused in this process. Broadcasts clear it sooner. */
export const DEFAULT_LIST_PAGE_TTL_SECONDS = 5;
/** Upper bound on cached pages per process (`near` queries have unbounded keys); beyond it pages are not cached. */
export const DEFAULT_LIST_PAGE_MAX_KEYS = 10_000;

/**
 * This process's cache of listing pages: `(filter, cursor, first, clock minute)` → ids in order
 * (and distances). Only ids are kept; the stores themselves are hydrated through the two-level
 * cache, so a changed store shows its new values on a cached page at once.
 *
 * Why per-process only (no Redis level): membership of a page changes with any store's city,
 * status or hours; every instance already receives every TopicStoreChanged broadcast, and
 * clearing all pages on each one is simple and exact, whereas shared pages would need a shared
 * generation counter that is itself unavailable when Redis is. A page miss costs one indexed
 * id query against a small table.
 *
 * Concurrent misses of one page share one query; a page computed before a change
 * (`evictAll`) is not stored after it (generation check), so a broadcast is never undone.
 */
export class StoreListCache {
  private readonly pages: NodeCache;
  private readonly flights = new Map<string, Promise<IdPage>>();
  private generation = 0;
  private readonly hits: Counter<string>;
  private readonly misses: Counter<string>;

  constructor(
    metrics: Metrics,
    private readonly ttlSeconds = DEFAULT_LIST_PAGE_TTL_SECONDS,
    maxKeys = DEFAULT_LIST_PAGE_MAX_KEYS,
  ) {
    this.pages = new NodeCache({ useClones: false, checkperiod: 60, maxKeys });
    this.hits = metrics.counter('cache_hits_total', 'Cache hits by cache and level (l1, l2)', ['cache', 'level']);
    this.misses = metrics.counter('cache_misses_total', 'Cache misses by cache and level (l1, l2)', ['cache', 'level']);
  }

  /** The page for `key`, from this process or from `load` (one load per key at a time). */
  async get(key: string, load: () => Promise<IdPage>): Promise<IdPage> {
    if (this.ttlSeconds <= 0) return load();
    const hit = this.pages.get<IdPage>(key);
    if (hit) {
      this.hits.inc({ cache: 'store-list', level: 'l1' });
      return hit;
    }
    this.misses.inc({ cache: 'store-list', level: 'l1' });
    const running = this.flights.get(key);
    if (running) return running;
    const generation = this.generation;
    const flight = load().then((page) => {
      if (generation === this.generation) {
        try {
          this.pages.set(key, page, this.ttlSeconds);
        } catch {
          // maxKeys reached: serve uncached rather than grow without bound.
        }
      }
      return page;
    });
    this.flights.set(key, flight);
    try {
      return await flight;
    } finally {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    }
  }

  /** Any store changed: every page may have changed membership or order. */
  evictAll(): void {
    this.generation++;
    this.flights.clear();
    this.pages.flushAll();
  }

  close(): void {
    this.flights.clear();
    this.pages.flushAll();
    this.pages.close();
  }
}
