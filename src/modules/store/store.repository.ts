import type { OrmHandle } from '../../infra/db/orm.js';
import type { Loaded } from '../../infra/cache/two-level-cache.js';
import { toStoreDto, type StoreCursor, type StoreDto, type StoreListFilter } from './store.model.js';

/** Mean Earth radius in metres (IUGG), for haversine distances. */
export const EARTH_RADIUS_METERS = 6_371_008.8;

const COLUMNS =
  '`id`, `name`, `city`, `address`, `latitude`, `longitude`, `phone`, `open_time` as `openTime`, `close_time` as `closeTime`, `status`, `version`, `created_at` as `createdAt`, `updated_at` as `updatedAt`';

/**
 * Open at wall-clock `?` (bound 4 times), same rule as `isOpenAt`: a window that does not span
 * midnight contains the clock; one that does (close < open) contains it after opening or
 * before closing. "HH:mm" strings compare like times.
 */
const OPEN_NOW_SQL =
  "`status` = 'OPEN' and ((`open_time` <= `close_time` and `open_time` <= ? and ? < `close_time`) or (`close_time` < `open_time` and (? >= `open_time` or ? < `close_time`)))";

/**
 * Haversine distance in whole millimetres from (?, ?, ?) = (lat, lat, lng). Rounded to an
 * integer so the keyset comparison of the cursor is exact; least(1, …) guards asin against
 * rounding just above 1 for antipodal points.
 */
const DISTANCE_MM_SQL = `cast(round(${EARTH_RADIUS_METERS} * 2 * asin(least(1, sqrt(pow(sin(radians(\`latitude\` - ?) / 2), 2) + cos(radians(?)) * cos(radians(\`latitude\`)) * pow(sin(radians(\`longitude\` - ?) / 2), 2)))) * 1000) as signed)`;

/** One position of a listing page: the id, and the distance when the listing is `near`. */
export interface PageEntry {
  id: number;
  distanceMm?: number;
}

export interface IdPage {
  entries: PageEntry[];
  hasNextPage: boolean;
}

type RawRow = Omit<StoreDto, 'latitude' | 'longitude' | 'createdAt' | 'updatedAt'> & {
  latitude: string | number;
  longitude: string | number;
  createdAt: Date | string;
  updatedAt: Date | string;
};

/**
 * The store table read with plain SQL (no identity map, no entity hydration): this is the
 * cache's loader and the listing's id query. Writes go through the entity in StoreService.
 */
export class StoreRepository {
  constructor(private readonly orm: OrmHandle) {}

  private async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.orm.em.fork().getConnection().execute<T[]>(sql, params, 'all');
  }

  /** The cache loader: one store and its version, or null. */
  async loadOne(id: number): Promise<Loaded<StoreDto> | null> {
    const rows = await this.query<RawRow>(`select ${COLUMNS} from \`store\` where \`id\` = ?`, [id]);
    const row = rows[0];
    if (!row) return null;
    const value = toStoreDto(row as never);
    return { value, version: value.version };
  }

  /** The cache's batch loader: the stores that exist among `ids`. */
  async loadMany(ids: readonly number[]): Promise<Map<number, Loaded<StoreDto>>> {
    const found = new Map<number, Loaded<StoreDto>>();
    if (ids.length === 0) return found;
    const rows = await this.query<RawRow>(`select ${COLUMNS} from \`store\` where \`id\` in (${ids.map(() => '?').join(', ')})`, [...ids]);
    for (const row of rows) {
      const value = toStoreDto(row as never);
      found.set(value.id, { value, version: value.version });
    }
    return found;
  }

  /**
   * One page of ids in listing order (keyset pagination): by id, or by (distance, id) when
   * `near` is given. Fetches `limit + 1` to know whether another page follows.
   */
  async pageIds(filter: StoreListFilter, after: StoreCursor | undefined, limit: number, clock: string): Promise<IdPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.city !== undefined) {
      where.push('`city` = ?');
      params.push(filter.city);
    }
    if (filter.openNow) {
      where.push(OPEN_NOW_SQL);
      params.push(clock, clock, clock, clock);
    }
    let rows: { id: number; d?: number | string }[];
    if (filter.near) {
      const { latitude, longitude } = filter.near;
      const inner = `select \`id\`, ${DISTANCE_MM_SQL} as \`d\` from \`store\`${where.length > 0 ? ` where ${where.join(' and ')}` : ''}`;
      const innerParams = [latitude, latitude, longitude, ...params];
      const position = after?.k === 'near' ? ' where (`d` > ? or (`d` = ? and `id` > ?))' : '';
      const positionParams = after?.k === 'near' ? [after.d, after.d, after.id] : [];
      rows = await this.query(`select \`id\`, \`d\` from (${inner}) as \`t\`${position} order by \`d\`, \`id\` limit ?`, [...innerParams, ...positionParams, limit + 1]);
    } else {
      if (after?.k === 'id') {
        where.push('`id` > ?');
        params.push(after.id);
      }
      rows = await this.query(`select \`id\` from \`store\`${where.length > 0 ? ` where ${where.join(' and ')}` : ''} order by \`id\` limit ?`, [...params, limit + 1]);
    }
    const entries = rows.slice(0, limit).map((r) => (r.d === undefined ? { id: Number(r.id) } : { id: Number(r.id), distanceMm: Number(r.d) }));
    return { entries, hasNextPage: rows.length > limit };
  }
}
