import { defineModule } from '../module.js';
import { storeChangedInstanceConsumer } from './store-changed.consumer.js';
import { Store } from './store.entity.js';
import { StoreResolver } from './store.resolver.js';
import { StoreService } from './store.service.js';

/** Stores: two-level cached reads, admin writes, per-instance L1 invalidation. */
export const storeModule = defineModule({
  name: 'store',
  entities: [Store],
  resolvers: [StoreResolver],
  create: ({ config, logger, metrics, orm, redis, outbox, instanceId }) => {
    const stores = new StoreService({ orm, redis, outbox, metrics, logger });
    return {
      services: { stores },
      resolvers: [new StoreResolver(stores)],
      instanceConsumers: [storeChangedInstanceConsumer(stores, instanceId, metrics)],
      seed: async (em) => {
        if (!config.seedDemoData) return;
        const created = await stores.seedDemo(em);
        if (created > 0) logger.info({ created }, 'demo stores seeded');
      },
      close: async () => stores.close(),
    };
  },
});
