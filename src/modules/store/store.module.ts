import type { ModuleFactory } from '../module.js';
import { storeChangedInstanceConsumer } from './store-changed.consumer.js';
import { StoreResolver } from './store.resolver.js';
import { StoreService } from './store.service.js';

/** Stores: two-level cached reads, admin writes, per-instance L1 invalidation. */
export const storeModule: ModuleFactory = ({ config, logger, metrics, orm, redis, outbox, instanceId }) => {
  const stores = new StoreService({ orm, redis, outbox, metrics, logger });
  return {
    name: 'store',
    services: { stores },
    resolvers: [[StoreResolver, new StoreResolver(stores)]],
    instanceConsumers: [storeChangedInstanceConsumer(stores, instanceId, metrics)],
    seed: async (em) => {
      if (!config.seedDemoData) return;
      const created = await stores.seedDemo(em);
      if (created > 0) logger.info({ created }, 'demo stores seeded');
    },
    close: async () => stores.close(),
  };
};
