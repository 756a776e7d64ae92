import { gql, operation } from '../../helpers/graphql-client.js';
import type { TestApp } from '../../helpers/test-app.js';
import type { StoreService } from '../../../src/modules/store/store.service.js';

export const STORES = operation('stores');
export const STORE = operation('store');
export const CREATE_STORE = operation('create-store');
export const UPDATE_STORE = operation('update-store');

export function storeService(app: TestApp): StoreService {
  return app.services.stores as StoreService;
}

/** `cache_loads_total{cache="store"}`: keys loaded from MySQL by this instance. */
export function storeLoads(app: TestApp): Promise<number> {
  return app.metrics.value('cache_loads_total', { cache: 'store' });
}

/** Walks a listing to its end; returns every edge in order and the number of pages. */
export async function walk(app: TestApp, filter: Record<string, unknown> | undefined, first: number): Promise<{ edges: any[]; pages: number }> {
  const edges: any[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const r = await gql(app.url, STORES, { filter, first, after });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    pages++;
    edges.push(...r.data.stores.edges);
    if (!r.data.stores.pageInfo.hasNextPage) return { edges, pages };
    after = r.data.stores.pageInfo.endCursor;
    if (pages > 200) throw new Error('listing does not end');
  }
}

/** Great-circle distance in metres (same formula and radius as the SQL). */
export function haversineMeters(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lng2 - lng1) / 2) ** 2;
  return 6_371_008.8 * 2 * Math.asin(Math.min(1, Math.sqrt(a)));
}
