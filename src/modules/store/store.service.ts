import { EventEmitter } from 'node:events';
import { LockMode, type EntityManager } from '@mikro-orm/mysql';
import type { RedisClient } from '../../infra/redis/redis.js';
import type { Cache } from '../../infra/cache/cache.port.js';
import { TwoLevelCache, type TwoLevelCacheOptions } from '../../infra/cache/two-level-cache.js';
import type { OrmHandle } from '../../infra/db/orm.js';
import type { TransactionalOutbox } from '../../infra/mq/outbox/outbox.port.js';
import { Topics } from '../../infra/mq/topics.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { RequestContext } from '../../shared/context.js';
import { isDuplicateKeyError } from '../../shared/errors.js';
import { checkPageSize } from '../../shared/pagination.js';
import { requireAdmin } from '../auth/auth.service.js';
import type { StoreChanged } from './store-events.js';
import { Store, type StoreRow } from './store.entity.js';
import { StoreErrors } from './store.errors.js';
import { StoreListCache, DEFAULT_LIST_PAGE_TTL_SECONDS } from './store-list-cache.js';
import {
  checkFilter,
  checkHours,
  checkNewStore,
  checkPatch,
  decodeStoreCursor,
  encodeStoreCursor,
  shanghaiClock,
  toStoreDto,
  type StoreDto,
  type StorePatch,
} from './store.model.js';
import { StoreRepository, type IdPage } from './store.repository.js';
import { DEMO_STORES } from './store.seed.js';

/** The cache's name: Redis keys `cache:store:<id>`, metrics label `cache="store"`. */
export const STORE_CACHE_NAME = 'store';


/** One listing page: edges in order (distance when `near` was given) and the page info. */
export interface StorePage {
  edges: { cursor: string; node: StoreDto; distanceMeters: number | null }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface StoreListArgs {
  filter?: Parameters<typeof checkFilter>[0];
  first?: number | null;
  after?: string | null;
}

/** Where `store(id)` and listing hydration read from; the two-level cache by default. */
export type StoreReader = Pick<Cache<StoreDto>, 'getMany'>;

export interface StoreServiceDeps {
  orm: OrmHandle;
  redis: RedisClient;
  outbox: TransactionalOutbox;
  metrics: Metrics;
  logger: Logger;
}

export interface StoreServiceOptions {
  /** Overrides for the store cache (tests and benchmarks: `l1TtlSeconds: 0` disables L1). */
  cache?: Partial<Omit<TwoLevelCacheOptions<StoreDto>, 'name' | 'load' | 'loadMany'>> & { name?: string };
  /** Listing page TTL in this process (seconds); 0 disables page caching. */
  listPageTtlSeconds?: number;
}

/** Builds the store two-level cache over the repository (exported for benchmarks). */
export function createStoreCache(deps: StoreServiceDeps, repository: StoreRepository, overrides: StoreServiceOptions['cache'] = {}): TwoLevelCache<StoreDto> {
  return new TwoLevelCache<StoreDto>(
    { redis: deps.redis, metrics: deps.metrics, logger: deps.logger },
    {
      name: STORE_CACHE_NAME,
      ...overrides,
      load: (key) => repository.loadOne(Number(key)),
      loadMany: async (keys) => {
        const loaded = await repository.loadMany(keys.map(Number));
        return new Map([...loaded].map(([id, entry]) => [String(id), entry]));
      },
    },
  );
}

/**
 * Stores: reads through L1 (per process) → L2 (Redis) → MySQL; admin writes commit to MySQL,
 * refresh the cache and announce `{ storeId, version }` on TopicStoreChanged through the outbox;
 * every instance (the writer too) applies the announcement to its L1 (`applyRemoteChange`).
 */
export class StoreService {
  readonly repository: StoreRepository;
  readonly cache: TwoLevelCache<StoreDto>;
  private reader: StoreReader;
  private readonly lists: StoreListCache;
  private listPagesCached: boolean;
  private readonly events = new EventEmitter();
  /** storeId → highest version this instance has applied from a broadcast (for `waitForChange`). */
  private readonly applied = new Map<number, number>();

  constructor(
    private readonly deps: StoreServiceDeps,
    options: StoreServiceOptions = {},
  ) {
    this.repository = new StoreRepository(deps.orm);
    this.cache = createStoreCache(deps, this.repository, options.cache);
    this.reader = this.cache;
    this.lists = new StoreListCache(deps.metrics, options.listPageTtlSeconds ?? DEFAULT_LIST_PAGE_TTL_SECONDS);
    this.listPagesCached = (options.listPageTtlSeconds ?? DEFAULT_LIST_PAGE_TTL_SECONDS) > 0;
    this.events.setMaxListeners(0);
  }

  /** One store, or null when there is no such store. */
  async getStore(_ctx: RequestContext, id: number): Promise<StoreDto | null> {
    const [store] = await this.reader.getMany([String(id)]);
    return store ?? null;
  }

  /** Stores in id order, or by distance when `filter.near` is given; keyset-paginated. */
  async listStores(_ctx: RequestContext, args: StoreListArgs): Promise<StorePage> {
    const filter = checkFilter(args.filter);
    const limit = checkPageSize(args.first);
    const mode = filter.near ? 'near' : 'id';
    const after = decodeStoreCursor(args.after, mode);
    const clock = shanghaiClock();
    const load = () => this.repository.pageIds(filter, after, limit, clock);
    // The clock is part of the key only when it changes the answer.
    const key = JSON.stringify([filter.city ?? null, filter.near ? [filter.near.latitude, filter.near.longitude] : null, filter.openNow ? clock : null, args.after ?? null, limit]);
    const page: IdPage = this.listPagesCached ? await this.lists.get(key, load) : await load();
    const stores = await this.reader.getMany(page.entries.map((e) => String(e.id)));
    const edges: StorePage['edges'] = [];
    page.entries.forEach((entry, i) => {
      const node = stores[i];
      // Stores are never deleted; a miss here is a row that vanished under us (manual cleanup): skip it.
      if (!node) return;
      const cursor = entry.distanceMm === undefined ? encodeStoreCursor({ k: 'id', id: entry.id }) : encodeStoreCursor({ k: 'near', d: entry.distanceMm, id: entry.id });
      edges.push({ cursor, node, distanceMeters: entry.distanceMm === undefined ? null : entry.distanceMm / 1000 });
    });
    // The end cursor follows the last id of the page even if its row was skipped, so paging goes on.
    const last = page.entries[page.entries.length - 1];
    const endCursor = last === undefined ? null : last.distanceMm === undefined ? encodeStoreCursor({ k: 'id', id: last.id }) : encodeStoreCursor({ k: 'near', d: last.distanceMm, id: last.id });
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor } };
  }

  /** Admin: creates a store (version 1). */
  async createStore(ctx: RequestContext, input: Parameters<typeof checkPatch>[0]): Promise<StoreDto> {
    requireAdmin(ctx);
    const values = checkNewStore(checkPatch(input));
    checkHours(values.openTime, values.closeTime);
    const dto = await this.write(ctx, async (tx) => {
      const row = tx.create(Store, { ...values, version: 1 } as never) as StoreRow;
      await tx.flush();
      return row;
    });
    ctx.log.info({ storeId: dto.id, version: dto.version }, 'store created');
    return dto;
  }

  /** Admin: changes the given fields (absent ones are kept); closing a store is `status: CLOSED`. NOT_FOUND for an unknown id. */
  async updateStore(ctx: RequestContext, id: number, input: Parameters<typeof checkPatch>[0]): Promise<StoreDto> {
    requireAdmin(ctx);
    const patch: StorePatch = checkPatch(input);
    const dto = await this.write(ctx, async (tx) => {
      // The row lock serialises concurrent updates, so versions are strictly increasing.
      const row = await tx.findOne(Store, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) throw StoreErrors.notFound(id);
      checkHours(patch.openTime ?? row.openTime, patch.closeTime ?? row.closeTime);
      tx.assign(row, patch as never);
      row.version += 1;
      await tx.flush();
      return row;
    });
    ctx.log.info({ storeId: dto.id, version: dto.version, fields: Object.keys(patch) }, 'store updated');
    return dto;
  }

  /**
   * MySQL commit (with the TopicStoreChanged row in the same transaction, published right after
   * commit by the outbox) → this instance's L1 and Redis refreshed at the new version. Redis
   * trouble never fails the write: other instances still drop their L1 copy when the broadcast
   * arrives, and ignore any older Redis copy (the cache remembers the announced version).
   */
  private async write(ctx: RequestContext, change: (tx: EntityManager) => Promise<StoreRow>): Promise<StoreDto> {
    let dto: StoreDto;
    try {
      dto = await this.deps.outbox.transactional(ctx.em, async (tx, emit) => {
        const row = await change(tx);
        const snapshot = toStoreDto(row);
        emit<StoreChanged>({ topic: Topics.StoreChanged, key: String(snapshot.id), data: { storeId: snapshot.id, version: snapshot.version } });
        return snapshot;
      });
    } catch (err) {
      if (isDuplicateKeyError(err)) throw StoreErrors.nameTaken();
      throw err;
    }
    await this.cache.set(String(dto.id), dto, dto.version);
    this.lists.evictAll();
    return dto;
  }

  /**
   * What the per-instance TopicStoreChanged consumer calls: drops this instance's L1 copy older
   * than `version` (a newer Redis copy is then read; an older one counts as a miss) and every
   * cached listing page.
   */
  applyRemoteChange(change: StoreChanged): void {
    this.cache.applyRemoteChange(String(change.storeId), change.version);
    this.lists.evictAll();
    if (change.version > (this.applied.get(change.storeId) ?? 0)) this.applied.set(change.storeId, change.version);
    this.events.emit('applied', change);
  }

  /**
   * Resolves once this instance has applied a broadcast for `storeId` at `version` or newer
   * (at once if it already has). For tests and the propagation benchmark.
   */
  waitForChange(storeId: number, version: number, timeoutMs = 10_000): Promise<StoreChanged> {
    const seen = this.applied.get(storeId);
    if (seen !== undefined && seen >= version) return Promise.resolve({ storeId, version: seen });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('applied', listener);
        reject(new Error(`store ${storeId} v${version} was not applied within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (change: StoreChanged) => {
        if (change.storeId !== storeId || change.version < version) return;
        clearTimeout(timer);
        this.events.off('applied', listener);
        resolve(change);
      };
      this.events.on('applied', listener);
    });
  }

  /**
   * Switches where reads come from (benchmarks: MySQL only, Redis only); `cacheListPages: false`
   * reads every listing page's ids from MySQL. Not used by the application itself.
   */
  useReadPath(reader: StoreReader, options: { cacheListPages: boolean }): void {
    this.reader = reader;
    this.listPagesCached = options.cacheListPages;
  }

  /** A reader that always goes to MySQL (the benchmark baseline). */
  mysqlReader(): StoreReader {
    return {
      getMany: async (keys) => {
        if (keys.length === 1) return [(await this.repository.loadOne(Number(keys[0])))?.value ?? null];
        const loaded = await this.repository.loadMany(keys.map(Number));
        return keys.map((k) => loaded.get(Number(k))?.value ?? null);
      },
    };
  }

  /**
   * Idempotent demo seed (local mode): inserts the demo stores that are missing, in one
   * transaction; if another instance seeds at the same moment (duplicate key), row by row.
   */
  async seedDemo(em: EntityManager): Promise<number> {
    const existing = await em.find(Store, {}, { fields: ['city', 'name'] as never });
    const have = new Set(existing.map((s) => `${s.city}|${s.name}`));
    const missing = DEMO_STORES.filter((demo) => !have.has(`${demo.city}|${demo.name}`));
    if (missing.length === 0) return 0;
    const insert = (rows: typeof missing) =>
      em.fork().transactional(async (tx) => {
        for (const demo of rows) tx.create(Store, { ...demo, version: 1 } as never);
        await tx.flush();
      });
    try {
      await insert(missing);
      return missing.length;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    let created = 0;
    for (const demo of missing) {
      try {
        await insert([demo]);
        created++;
      } catch (err) {
        // Another instance seeded it first: the unique (city, name) index says so.
        if (!isDuplicateKeyError(err)) throw err;
      }
    }
    return created;
  }

  close(): void {
    this.cache.close();
    this.lists.close();
    this.events.removeAllListeners();
  }
}
