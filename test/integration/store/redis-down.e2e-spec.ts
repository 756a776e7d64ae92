import { errorCode, gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { redisUsable, startRedisProxy, type RedisProxy } from '../../helpers/test-redis.js';
import { queryRows } from '../../helpers/test-db.js';
import { eventually } from '../../helpers/wait.js';
import type { RequestContext } from '../../../src/shared/context.js';
import { STORE, storeLoads, storeService, UPDATE_STORE } from './helpers.js';
import { adminToken } from '../../helpers/actors.js';

/**
 * Instance R reaches Redis through a proxy the test cuts; instance H has Redis. Both share MySQL
 * and one broker. With Redis gone, R's reads fall back to MySQL (through its L1), writes still
 * commit and broadcast, and invalidations still reach R (they travel through the broker).
 */
describe('stores: Redis unreachable mid-test', () => {
  let proxy: RedisProxy;
  let h: TestApp;
  let r: TestApp;
  let admin: string;
  const adminCtx = (app: TestApp): RequestContext => ({ em: app.orm.em.fork(), log: app.logger, requestId: 'redis-down-test', viewer: { userId: 1, role: 'admin', token: 'service-layer' } });

  beforeAll(async () => {
    proxy = await startRedisProxy();
    h = await startTestApp({ database: 'stores_redis', env: { INSTANCE_ID: 'h' } });
    r = await startTestApp({ database: 'stores_redis', fresh: false, env: { INSTANCE_ID: 'r', ROCKETMQ_ENDPOINTS: h.broker!.endpoint }, redisProxy: proxy });
    admin = await adminToken(h);
  });
  afterAll(async () => {
    proxy?.restore();
    await r?.close();
    await h?.close();
    await proxy?.close();
  });

  it('reads and writes stay correct while Redis is cut, and after it is back', async () => {
    // Warm: R reads store 9 through all levels.
    const warm = (await gql(r.url, STORE, { id: '9' })).data.store;
    expect(warm.version).toBe(1);

    proxy.cut();
    const errorsBefore = await r.metrics.value('cache_errors_total', { cache: 'store', op: 'get' });

    // Reads: from L1, and from MySQL on an L1 miss.
    expect((await gql(r.url, STORE, { id: '9' })).data.store).toEqual(warm);
    storeService(r).cache.evictLocal('9');
    const loadsBefore = await storeLoads(r);
    expect((await gql(r.url, STORE, { id: '9' })).data.store).toEqual(warm);
    expect(await storeLoads(r)).toBe(loadsBefore + 1);
    expect((await gql(r.url, STORE, { id: '10' })).data.store.id).toBe('10');
    expect((await gql(r.url, STORE, { id: '123456' })).data.store).toBeNull();
    expect(await r.metrics.value('cache_errors_total', { cache: 'store', op: 'get' })).toBeGreaterThan(errorsBefore);
    // The L1 still absorbs repeated reads while Redis is down.
    const loadsMid = await storeLoads(r);
    for (let i = 0; i < 20; i++) expect((await gql(r.url, STORE, { id: '9' })).data.store.version).toBe(1);
    expect(await storeLoads(r)).toBe(loadsMid);

    // Writes on R: sessions live in Redis, so an admin GraphQL call on R cannot authenticate
    // (a clear, retryable SERVICE_UNAVAILABLE) ...
    const viaGraphql = await gql(r.url, UPDATE_STORE, { id: '9', input: { status: 'CLOSED' } }, admin);
    expect(errorCode(viaGraphql)).toBe('SERVICE_UNAVAILABLE');
    expect(viaGraphql.errors![0]!.extensions!.retryable).toBe(true);
    // ... while the store write itself (service layer, admin viewer) commits and broadcasts.
    const written = await storeService(r).updateStore(adminCtx(r), 9, { status: 'CLOSED', phone: '021-0000009' });
    expect(written).toMatchObject({ status: 'CLOSED', version: 2 });
    expect((await queryRows<{ version: number }>(r.databaseUrl, 'select version from store where id = 9'))[0]!.version).toBe(2);
    expect((await gql(r.url, STORE, { id: '9' })).data.store).toMatchObject({ status: 'CLOSED', phone: '021-0000009', version: 2 });
    // H (Redis fine, holding v1 in L1 and Redis) gets the broadcast and serves v2.
    expect((await gql(h.url, STORE, { id: '9' })).data.store.version).toBeGreaterThanOrEqual(1);
    await storeService(h).waitForChange(9, 2);
    expect((await gql(h.url, STORE, { id: '9' })).data.store).toMatchObject({ status: 'CLOSED', version: 2 });

    // A write through H (GraphQL) reaches R's L1 through the broker although R has no Redis.
    const viaH = await gql(h.url, UPDATE_STORE, { id: '9', input: { status: 'OPEN', name: 'Wxshop Coffee Reopened' } }, admin);
    expect(viaH.data.updateStore.version).toBe(3);
    await storeService(r).waitForChange(9, 3);
    expect((await gql(r.url, STORE, { id: '9' })).data.store).toMatchObject({ status: 'OPEN', name: 'Wxshop Coffee Reopened', version: 3 });

    // Redis back: R uses it again and still serves the newest version.
    proxy.restore();
    await eventually(() => redisUsable(r.redis), { what: 'R reconnected to Redis' });
    storeService(r).cache.evictLocal('9');
    const l2HitsBefore = await r.metrics.value('cache_hits_total', { cache: 'store', level: 'l2' });
    expect((await gql(r.url, STORE, { id: '9' })).data.store).toMatchObject({ name: 'Wxshop Coffee Reopened', version: 3 });
    expect(await r.metrics.value('cache_hits_total', { cache: 'store', level: 'l2' })).toBe(l2HitsBefore + 1);
    // And writes through GraphQL work on R again.
    const again = await gql(r.url, UPDATE_STORE, { id: '9', input: { phone: '021-9999999' } }, admin);
    expect(again.data.updateStore.version).toBe(4);
    await storeService(h).waitForChange(9, 4);
    expect((await gql(h.url, STORE, { id: '9' })).data.store).toMatchObject({ phone: '021-9999999', version: 4 });
  });
});
