import { gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { STORE_CHANGED_INSTANCE_GROUP_PREFIX } from '../../../src/infra/mq/topics.js';
import { STORE, STORES, storeService, UPDATE_STORE } from './helpers.js';
import { adminToken } from '../../helpers/actors.js';

/** Two BFF instances sharing MySQL, Redis and one broker: A's writes reach B's L1 through the broadcast. */
describe('stores: invalidation across two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: string;

  beforeAll(async () => {
    a = await startTestApp({ database: 'stores_two', env: { INSTANCE_ID: 'a' } });
    b = await startTestApp({ database: 'stores_two', fresh: false, env: { INSTANCE_ID: 'b', ROCKETMQ_ENDPOINTS: a.broker!.endpoint } });
    admin = await adminToken(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('uses one consumer group per instance', () => {
    const groups = (app: TestApp) => app.consumers.definitions.map((d) => d.group);
    expect(groups(a)).toContain(`${STORE_CHANGED_INSTANCE_GROUP_PREFIX}a`);
    expect(groups(b)).toContain(`${STORE_CHANGED_INSTANCE_GROUP_PREFIX}b`);
  });

  it('an update through A is served by B once the broadcast arrives (no sleeps)', async () => {
    const id = '5';
    // Fill both L1s.
    const before = (await gql(a.url, STORE, { id })).data.store;
    expect((await gql(b.url, STORE, { id })).data.store).toEqual(before);
    const bHitsBefore = await b.metrics.value('cache_hits_total', { cache: 'store', level: 'l1' });
    expect((await gql(b.url, STORE, { id })).data.store.version).toBe(before.version);
    // B now serves the old value from its L1.
    expect(await b.metrics.value('cache_hits_total', { cache: 'store', level: 'l1' })).toBeGreaterThan(bHitsBefore);
    const bInvalidationsBefore = await b.metrics.value('cache_invalidations_total', { cache: 'store' });

    const updated = await gql(a.url, UPDATE_STORE, { id, input: { name: 'Wxshop Coffee Renamed', phone: '021-7777777' } }, admin);
    expect(updated.errors).toBeUndefined();
    const version = updated.data.updateStore.version as number;
    expect(version).toBe(before.version + 1);

    // Await the broadcast on B (the module's hook), then ask B over GraphQL.
    await storeService(b).waitForChange(Number(id), version, 15_000);
    expect(await b.metrics.value('cache_invalidations_total', { cache: 'store' })).toBeGreaterThan(bInvalidationsBefore);
    const onB = (await gql(b.url, STORE, { id })).data.store;
    expect(onB).toMatchObject({ name: 'Wxshop Coffee Renamed', phone: '021-7777777', version });
    // The writer applied its own broadcast too, and serves the same.
    await storeService(a).waitForChange(Number(id), version);
    expect((await gql(a.url, STORE, { id })).data.store).toMatchObject({ name: 'Wxshop Coffee Renamed', version });
    // B's logs say so, at debug.
    expect(b.logs.lines.some((l) => l.includes('store cache invalidation applied') && l.includes(`"version":${version}`))).toBe(true);
  });

  it('B drops its cached listing pages on the broadcast too', async () => {
    const first = await gql(b.url, STORES, { filter: { city: 'Beijing', openNow: false }, first: 50 });
    const target = first.data.stores.edges[0].node;
    const updated = await gql(a.url, UPDATE_STORE, { id: target.id, input: { city: 'Tianjin' } }, admin);
    await storeService(b).waitForChange(Number(target.id), updated.data.updateStore.version);
    const after = await gql(b.url, STORES, { filter: { city: 'Beijing' }, first: 50 });
    expect(after.data.stores.edges.map((e: any) => e.node.id)).not.toContain(target.id);
    const tianjin = await gql(b.url, STORES, { filter: { city: 'Tianjin' } });
    expect(tianjin.data.stores.edges.map((e: any) => e.node.id)).toEqual([target.id]);
  });

  it('many updates in a row: B ends on the last version', async () => {
    const id = 7;
    let version = 0;
    for (let i = 0; i < 20; i++) {
      const r = await gql(a.url, UPDATE_STORE, { id: String(id), input: { address: `${i} Loop Road` } }, admin);
      version = r.data.updateStore.version;
    }
    await storeService(b).waitForChange(id, version);
    expect((await gql(b.url, STORE, { id: String(id) })).data.store).toMatchObject({ address: '19 Loop Road', version });
  });
});
