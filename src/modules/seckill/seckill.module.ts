import { createRedis } from '../../infra/redis/redis.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import { defineModule } from '../module.js';
import type { OrderService } from '../order/order.service.js';
import { seckillOrderConsumer, seckillReturnConsumer } from './seckill.consumers.js';
import { SeckillRelay } from './seckill-relay.js';
import { SeckillActivity, SeckillOrder } from './seckill.entity.js';
import { SeckillResolver } from './seckill.resolver.js';
import { withSeckillScripts } from './seckill.scripts.js';
import { activeActivityIds, SeckillService } from './seckill.service.js';

/**
 * Flash sales. Its cancel hook (returnHeldSeckillStock, seckill-stock-return.ts) is handed to the
 * order module, which is built before it.
 */
export const seckillModule = defineModule({
  name: 'seckill',
  entities: [SeckillActivity, SeckillOrder],
  resolvers: [SeckillResolver],
  create: ({ config, orm, redis, bus, outbox, metrics, logger, instanceId }, { catalog, orders }: { catalog: CatalogService; orders: OrderService }) => {
    const log = logger.child({ module: 'seckill' });
    // Its own client when SECKILL_REDIS_URL is set (same key prefix), so a sale's load stays off the sessions' Redis.
    const own = config.seckill.redisUrl ? createRedis(config.seckill.redisUrl, logger, 'seckill-redis', config.redis.keyPrefix) : undefined;
    const scripted = withSeckillScripts(own ?? redis);
    // The relay is built first: the service tells it of each new activity (constructor dependency).
    const relay = config.runWorkers
      ? new SeckillRelay({ redis: scripted, bus, logger: log, metrics, activeIds: () => activeActivityIds(orm) }, { claimIdleMs: config.seckill.relayClaimIdleMs, instanceId })
      : undefined;
    const seckill = new SeckillService(
      { orm, redis: scripted, outbox, catalog, orders, metrics, logger: log, onActivityCreated: relay && ((id) => relay.watch(id)) },
      config.seckill,
    );
    let timer: NodeJS.Timeout | undefined;
    let sweeping: Promise<unknown> | undefined;
    return {
      services: { seckill },
      resolvers: [new SeckillResolver(seckill)],
      consumers: [seckillOrderConsumer(seckill), seckillReturnConsumer(seckill)],
      start: () => {
        if (!config.runWorkers) return;
        relay?.start();
        // Loads activities Redis lost or never got, and reconciles (settles) ended ones.
        timer = setInterval(() => {
          sweeping ??= seckill
            .reconcile()
            .catch((err: Error) => log.warn({ err: err.message }, 'seckill sweep failed'))
            .finally(() => (sweeping = undefined));
        }, config.seckill.sweepIntervalMs);
        timer.unref();
      },
      close: async () => {
        if (timer) clearInterval(timer);
        await sweeping;
        await relay?.close();
        own?.disconnect();
      },
    };
  },
});
