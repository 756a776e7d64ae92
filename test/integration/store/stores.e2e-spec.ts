import { errorCode, errorReason, gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows } from '../../helpers/test-db.js';
import { DEMO_STORES } from '../../../src/modules/store/store.seed.js';
import { CREATE_STORE, haversineMeters, STORE, storeLoads, storeService, UPDATE_STORE, walk } from './helpers.js';
import { adminToken, login } from '../../helpers/actors.js';

const PEOPLES_SQUARE = { latitude: 31.2304, longitude: 121.4737 };

describe('stores: listing, detail, admin writes, cache behaviour (one instance)', () => {
  let app: TestApp;
  let admin: string;
  let customer: string;

  beforeAll(async () => {
    app = await startTestApp({ database: 'stores_api' });
    admin = await adminToken(app);
    customer = (await login(app, 'code-store-customer')).token;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('seeds 60+ demo stores in six cities, idempotently', async () => {
    const rows = await queryRows<{ city: string; n: number }>(app.databaseUrl, 'select city, count(*) as n from store group by city order by city');
    expect(rows.map((r) => r.city).sort()).toEqual(['Beijing', 'Chengdu', 'Guangzhou', 'Hangzhou', 'Shanghai', 'Shenzhen']);
    expect(rows.reduce((sum, r) => sum + Number(r.n), 0)).toBe(DEMO_STORES.length);
    expect(DEMO_STORES.length).toBeGreaterThanOrEqual(60);
    expect(await storeService(app).seedDemo(app.orm.em.fork())).toBe(0);
    // Two instances seeding at once: every missing store is created exactly once.
    await queryRows(app.databaseUrl, "delete from store where name like 'Wxshop Coffee Q%'");
    const created = await Promise.all([storeService(app).seedDemo(app.orm.em.fork()), storeService(app).seedDemo(app.orm.em.fork())]);
    expect(created[0] + created[1]).toBe(DEMO_STORES.filter((d) => d.name.startsWith('Wxshop Coffee Q')).length);
    const total = await queryRows<{ n: number }>(app.databaseUrl, 'select count(*) as n from store');
    expect(Number(total[0]!.n)).toBe(DEMO_STORES.length);
  });

  it('pages through every store exactly once, in id order', async () => {
    const { edges, pages } = await walk(app, undefined, 7);
    const ids = edges.map((e) => Number(e.node.id));
    expect(ids).toHaveLength(DEMO_STORES.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(pages).toBe(Math.ceil(DEMO_STORES.length / 7));
    expect(edges.every((e) => e.distanceMeters === null)).toBe(true);
  });

  it('filters by city with complete, stable pages', async () => {
    const { edges } = await walk(app, { city: 'Hangzhou' }, 3);
    const expected = await queryRows<{ id: number }>(app.databaseUrl, "select id from store where city = 'Hangzhou' order by id");
    expect(edges.map((e) => Number(e.node.id))).toEqual(expected.map((r) => Number(r.id)));
    expect(edges.every((e) => e.node.city === 'Hangzhou')).toBe(true);
    const none = await walk(app, { city: 'Atlantis' }, 5);
    expect(none.edges).toHaveLength(0);
  });

  it('orders by distance with near, across pages, with correct distances', async () => {
    const { edges } = await walk(app, { near: PEOPLES_SQUARE }, 6);
    expect(edges).toHaveLength(DEMO_STORES.length);
    expect(new Set(edges.map((e) => e.node.id)).size).toBe(DEMO_STORES.length);
    const distances = edges.map((e) => e.distanceMeters as number);
    for (let i = 1; i < distances.length; i++) expect(distances[i]!).toBeGreaterThanOrEqual(distances[i - 1]!);
    for (const e of edges) {
      const expected = haversineMeters(PEOPLES_SQUARE.latitude, PEOPLES_SQUARE.longitude, e.node.latitude, e.node.longitude);
      expect(Math.abs(e.distanceMeters - expected)).toBeLessThan(1);
    }
    expect(edges[0].node.name).toBe("Wxshop Coffee People's Square");
    expect(edges[0].distanceMeters).toBeLessThan(1);
    // The next 10 are all in Shanghai; Beijing is over 1000 km away.
    expect(edges.slice(0, 11).every((e) => e.node.city === 'Shanghai')).toBe(true);
    const beijing = edges.find((e) => e.node.city === 'Beijing');
    expect(beijing.distanceMeters).toBeGreaterThan(1_000_000);

    const inCity = await walk(app, { near: { latitude: 22.5431, longitude: 114.0579 }, city: 'Shenzhen' }, 4);
    expect(inCity.edges.map((e) => e.node.city)).toEqual(Array(11).fill('Shenzhen'));
    expect(inCity.edges[0].node.name).toBe('Wxshop Coffee Futian CBD');
  });

  it('breaks distance ties by id, so equal distances never skip or repeat across pages', async () => {
    // Five stores at the very same point.
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await gql(app.url, CREATE_STORE, { input: { name: `Twin ${i}`, city: 'Twinville', address: '1 Same Street', latitude: 10.5, longitude: 20.5, phone: '010-1234567', openTime: '08:00', closeTime: '20:00' } }, admin);
      expect(r.errors).toBeUndefined();
      ids.push(Number(r.data.createStore.id));
    }
    const { edges } = await walk(app, { near: { latitude: 10.6, longitude: 20.6 }, city: 'Twinville' }, 2);
    expect(edges.map((e) => Number(e.node.id))).toEqual(ids);
    expect(new Set(edges.map((e) => e.distanceMeters)).size).toBe(1);
  });

  it('openNow lists exactly the stores open at this minute (Asia/Shanghai)', async () => {
    const { edges } = await walk(app, { openNow: true, city: 'Shanghai' }, 4);
    const all = await walk(app, { city: 'Shanghai' }, 50);
    const expected = all.edges.filter((e) => e.node.openNow).map((e) => e.node.id);
    expect(edges.map((e) => e.node.id)).toEqual(expected);
    expect(edges.every((e) => e.node.status === 'OPEN' && e.node.openNow)).toBe(true);
    // The 24-hour stores are always in it.
    const allDay = all.edges.filter((e) => e.node.status === 'OPEN' && e.node.openTime === '00:00' && e.node.closeTime === '24:00');
    expect(allDay.length).toBeGreaterThan(0);
    for (const e of allDay) expect(expected).toContain(e.node.id);
  });

  it('serves one store, null for an unknown id', async () => {
    const r = await gql(app.url, STORE, { id: '1' });
    expect(r.data.store).toMatchObject({ id: '1', city: DEMO_STORES[0]!.city, name: DEMO_STORES[0]!.name, version: 1 });
    expect((await gql(app.url, STORE, { id: '999999' })).data.store).toBeNull();
  });

  it('creates and updates stores as admin; closing is updateStore with status CLOSED', async () => {
    const created = await gql(app.url, CREATE_STORE, { input: { name: 'Wxshop Coffee Test Lab', city: 'Shanghai', address: '1 Test Road', latitude: 31.2, longitude: 121.5, phone: '021-5555555', openTime: '09:00', closeTime: '18:00' } }, admin);
    expect(created.errors).toBeUndefined();
    expect(created.data.createStore).toMatchObject({ status: 'OPEN', version: 1, latitude: 31.2 });
    const id = created.data.createStore.id;
    expect((await gql(app.url, STORE, { id })).data.store.name).toBe('Wxshop Coffee Test Lab');

    const closed = await gql(app.url, UPDATE_STORE, { id, input: { status: 'CLOSED' } }, admin);
    expect(closed.data.updateStore).toMatchObject({ status: 'CLOSED', version: 2, name: 'Wxshop Coffee Test Lab', openTime: '09:00' });
    // The writer serves its own write at once.
    expect((await gql(app.url, STORE, { id })).data.store).toMatchObject({ status: 'CLOSED', version: 2, openNow: false });
    const row = await queryRows<{ status: string; version: number }>(app.databaseUrl, 'select status, version from store where id = ?', [Number(id)]);
    expect(row[0]).toMatchObject({ status: 'CLOSED', version: 2 });
    // Every write announces { storeId, version } (through the outbox).
    await app.outbox.sweep();
    await storeService(app).waitForChange(Number(id), 2);

    const dup = await gql(app.url, CREATE_STORE, { input: { name: 'Wxshop Coffee Test Lab', city: 'Shanghai', address: '2 Test Road', latitude: 31.2, longitude: 121.5, phone: '021-5555556', openTime: '09:00', closeTime: '18:00' } }, admin);
    expect([errorCode(dup), errorReason(dup)]).toEqual(['CONFLICT', 'STORE_NAME_TAKEN']);
  });

  it('FORBIDDEN for customers and UNAUTHENTICATED for anonymous callers on admin mutations', async () => {
    const input = { name: 'Nope', city: 'Shanghai', address: 'x', latitude: 1, longitude: 1, phone: '12345', openTime: '09:00', closeTime: '18:00' };
    const create = await gql(app.url, CREATE_STORE, { input }, customer);
    expect([errorCode(create), errorReason(create)]).toEqual(['FORBIDDEN', 'ADMIN_ONLY']);
    const update = await gql(app.url, UPDATE_STORE, { id: '1', input: { status: 'CLOSED' } }, customer);
    expect(errorCode(update)).toBe('FORBIDDEN');
    const anonymous = await gql(app.url, UPDATE_STORE, { id: '1', input: { status: 'CLOSED' } });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
    const row = await queryRows<{ status: string; version: number }>(app.databaseUrl, 'select status, version from store where id = 1');
    expect(row[0]).toMatchObject({ status: DEMO_STORES[0]!.status, version: 1 });
  });

  it('NOT_FOUND on updating an unknown store', async () => {
    const r = await gql(app.url, UPDATE_STORE, { id: '987654', input: { status: 'CLOSED' } }, admin);
    expect([errorCode(r), errorReason(r)]).toEqual(['NOT_FOUND', 'STORE_NOT_FOUND']);
  });

  it('BAD_USER_INPUT for bad coordinates, cursors, page sizes, ids and fields', async () => {
    const base = { name: 'Bad', city: 'Shanghai', address: 'x', latitude: 31, longitude: 121, phone: '021-1234567', openTime: '09:00', closeTime: '18:00' };
    const cases: [string, Record<string, unknown>, string | undefined, string][] = [
      [CREATE_STORE, { input: { ...base, latitude: 90.5 } }, admin, 'INVALID_COORDINATES'],
      [CREATE_STORE, { input: { ...base, longitude: -180.01 } }, admin, 'INVALID_COORDINATES'],
      [UPDATE_STORE, { id: '1', input: { latitude: -91 } }, admin, 'INVALID_COORDINATES'],
      [CREATE_STORE, { input: { ...base, openTime: '25:00' } }, admin, 'INVALID_STORE_INPUT'],
      [CREATE_STORE, { input: { ...base, closeTime: '09:00', openTime: '09:00' } }, admin, 'INVALID_STORE_INPUT'],
      [CREATE_STORE, { input: { ...base, name: '   ' } }, admin, 'INVALID_STORE_INPUT'],
      [CREATE_STORE, { input: { ...base, phone: 'call me' } }, admin, 'INVALID_STORE_INPUT'],
      [CREATE_STORE, { input: { name: 'Partial' } }, admin, 'MISSING_FIELD'],
      [UPDATE_STORE, { id: 'abc', input: { status: 'CLOSED' } }, admin, 'INVALID_ID'],
      [STORE, { id: '-1' }, undefined, 'INVALID_ID'],
    ];
    for (const [query, vars, token, reason] of cases) {
      const r = await gql(app.url, query, vars, token);
      expect([errorCode(r), errorReason(r), JSON.stringify(vars)]).toEqual(['BAD_USER_INPUT', reason, JSON.stringify(vars)]);
    }
    const STORES_Q = 'query($filter: StoreFilter, $first: Int, $after: String) { stores(filter: $filter, first: $first, after: $after) { edges { cursor } } }';
    const listCases: [Record<string, unknown>, string][] = [
      [{ first: 0 }, 'INVALID_PAGE_SIZE'],
      [{ first: 101 }, 'INVALID_PAGE_SIZE'],
      [{ after: 'not a cursor!' }, 'INVALID_CURSOR'],
      [{ after: Buffer.from('{"k":"id","id":"x"}').toString('base64url') }, 'INVALID_CURSOR'],
      [{ after: Buffer.from('garbage').toString('base64url') }, 'INVALID_CURSOR'],
      [{ filter: { near: { latitude: 91, longitude: 0 } } }, 'INVALID_COORDINATES'],
      [{ filter: { near: { latitude: 0, longitude: 181 } } }, 'INVALID_COORDINATES'],
    ];
    for (const [vars, reason] of listCases) {
      const r = await gql(app.url, STORES_Q, vars);
      expect([errorCode(r), errorReason(r), JSON.stringify(vars)]).toEqual(['BAD_USER_INPUT', reason, JSON.stringify(vars)]);
    }
    // A cursor of a plain listing is not a position in a near listing (and vice versa).
    const plain = await gql(app.url, STORES_Q, { first: 1 });
    const mixed = await gql(app.url, STORES_Q, { first: 1, after: plain.data.stores.edges[0].cursor, filter: { near: PEOPLES_SQUARE } });
    expect(errorReason(mixed)).toBe('INVALID_CURSOR');
  });

  it('200 concurrent reads of an evicted key make one MySQL load', async () => {
    const service = storeService(app);
    const key = '3';
    service.cache.evictLocal(key);
    await app.redis.del(service.cache.redisKey(key));
    const before = await storeLoads(app);
    const results = await Promise.all(Array.from({ length: 200 }, () => gql(app.url, STORE, { id: key })));
    expect(results.every((r) => r.data?.store?.id === key)).toBe(true);
    expect((await storeLoads(app)) - before).toBe(1);

    // The same at the service layer, where all 200 are truly in flight together.
    service.cache.evictLocal(key);
    await app.redis.del(service.cache.redisKey(key));
    const ctx = { em: app.orm.em.fork(), log: app.logger, requestId: 't' };
    const before2 = await storeLoads(app);
    const direct = await Promise.all(Array.from({ length: 200 }, () => service.getStore(ctx, 3)));
    expect(direct.every((s) => s?.id === 3)).toBe(true);
    expect((await storeLoads(app)) - before2).toBe(1);
  });

  it('an unknown id read 100 times makes at most one MySQL load', async () => {
    const before = await storeLoads(app);
    for (let i = 0; i < 100; i++) {
      const r = await gql(app.url, STORE, { id: '424242' });
      expect(r.data.store).toBeNull();
    }
    expect((await storeLoads(app)) - before).toBeLessThanOrEqual(1);
  });

  it('exposes the cache metrics on GET /metrics', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    for (const line of ['cache_hits_total{cache="store",level="l1"}', 'cache_misses_total{cache="store",level="l2"}', 'cache_loads_total{cache="store"}', 'cache_invalidations_total{cache="store"}']) {
      expect(text).toContain(line);
    }
    expect(text).toContain('store_invalidation_lag_seconds');
  });
});
