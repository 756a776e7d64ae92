import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from '../../infra/db/base-entity.js';

export const StoreStatusValues = ['OPEN', 'CLOSED'] as const;
export type StoreStatus = (typeof StoreStatusValues)[number];

/**
 * A physical store. Business hours are local wall-clock times ("HH:mm", Asia/Shanghai):
 * `closeTime` may be "24:00", and a `closeTime` earlier than `openTime` means the store closes
 * after midnight. `version` starts at 1 and grows by one on every update; the two-level cache
 * and the TopicStoreChanged broadcast carry it.
 *
 * Indexes: unique (city, name) keeps the demo seed idempotent across instances; (city, id) serves
 * the city listing in id order; (status, city) narrows the openNow listing.
 */
export const Store = defineEntity({
  name: 'Store',
  tableName: 'store',
  uniques: [{ properties: ['city', 'name'] }],
  indexes: [{ properties: ['city', 'id'] }, { properties: ['status', 'city'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().length(64),
    city: p.string().length(32),
    address: p.string().length(200),
    /** WGS-84 degrees, 6 decimals (about 0.1 m). */
    latitude: p.decimal('number').precision(9).scale(6),
    longitude: p.decimal('number').precision(9).scale(6),
    phone: p.string().length(20),
    openTime: p.string().length(5),
    closeTime: p.string().length(5),
    status: p.enum(StoreStatusValues).default('OPEN'),
    version: p.integer().default(1),
    ...timestamps,
  },
});
export type StoreRow = InferEntity<typeof Store>;
