import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { STORE_CHANGED_INSTANCE_GROUP_PREFIX, Topics } from '../../infra/mq/topics.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { StoreChanged } from './store-events.js';
import type { StoreService } from './store.service.js';

/**
 * `cg-store-l1-<instanceId>`: one consumer group per BFF instance, so every instance gets every
 * TopicStoreChanged message (broadcast) and drops its own L1 copy. `instanceId` is INSTANCE_ID or
 * a hash of host:port (see app.ts), stable across restarts, so groups do not pile up on the
 * broker; a restarted instance resumes its group (a replayed old message is harmless: versions).
 * Naturally idempotent (applying a version twice changes nothing), so no idempotency key and no
 * Redis on this path: invalidation reaches every instance even while Redis is down.
 */
export function storeChangedInstanceConsumer(stores: StoreService, instanceId: string, metrics: Metrics): ConsumerDefinition<StoreChanged> {
  const lag = metrics.histogram(
    'store_invalidation_lag_seconds',
    'From the store change (outbox row time) to this instance applying it',
    [],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  );
  return {
    name: 'store-l1-invalidation',
    group: `${STORE_CHANGED_INSTANCE_GROUP_PREFIX}${instanceId}`,
    topic: Topics.StoreChanged,
    idempotencyKey: null,
    async handle({ log }, message) {
      const data = message.envelope.data as Partial<StoreChanged> | undefined;
      const storeId = data?.storeId;
      const version = data?.version;
      if (typeof storeId !== 'number' || !Number.isSafeInteger(storeId) || typeof version !== 'number' || !Number.isSafeInteger(version)) {
        log.error({ data }, 'malformed TopicStoreChanged message; dropped');
        return 'drop';
      }
      stores.applyRemoteChange({ storeId, version });
      const producedAt = Date.parse(message.envelope.producedAt);
      if (Number.isFinite(producedAt)) lag.observe(Math.max(0, Date.now() - producedAt) / 1000);
      log.debug({ storeId, version }, 'store cache invalidation applied');
    },
  };
}
