/**
 * `npm run seckill:reconcile [-- <activityId>]`: reconciles flash sales now, outside the worker's
 * sweep (SECKILL_SWEEP_INTERVAL): loads ACTIVE activities missing from Redis, compares Redis with
 * MySQL, and settles the ones that have ended with nothing pending (leftover units back to the
 * SKU). Prints one line per activity; exits 1 when Redis and MySQL disagree.
 * Reads the app's own configuration (DATABASE_URL, REDIS_URL / SECKILL_REDIS_URL, REDIS_KEY_PREFIX).
 */
import 'reflect-metadata';
import { loadConfig } from '../config/config.js';
import { moduleEntities } from '../composition.js';
import { openDatabase } from '../infra/db/orm.js';
import { createLogger } from '../infra/observability/logger.js';
import { createRedis, waitForRedis } from '../infra/redis/redis.js';
import { CatalogService } from '../modules/catalog/catalog.service.js';
import { withSeckillScripts } from '../modules/seckill/seckill.scripts.js';
import { SeckillLedger } from '../modules/seckill/seckill-ledger.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel });
const orm = await openDatabase(config.database, { logger, entities: moduleEntities() });
// The sale's Redis as the app picks it: SECKILL_REDIS_URL, else the app's Redis (or Redis Cluster).
const redis = createRedis(config.seckill.redisUrl ?? config.redis, logger, 'seckill-redis', config.redis.keyPrefix);
let exitCode = 0;
try {
  if (!(await waitForRedis(redis))) throw new Error('redis is not reachable');
  const ledger = new SeckillLedger({ orm, redis: withSeckillScripts(redis), catalog: new CatalogService(), logger });
  const activityId = process.argv[2] ? Number(process.argv[2]) : undefined;
  const reports = await ledger.reconcile({ activityId });
  if (reports.length === 0) console.log('no flash sale to reconcile');
  for (const r of reports) {
    console.log(
      `activity ${r.activityId}: sold ${r.sold}, pending ${r.pending}, returned ${r.returned}, failed ${r.failed}, mysql available ${r.available}, redis stock ${r.redisStock ?? '-'} (expected ${r.expectedRedisStock ?? '-'}), ` +
        `${r.consistent ? 'consistent' : 'INCONSISTENT'}${r.repairedRedis ? ' (redis corrected to mysql)' : ''}, ${r.settled ? `settled (${r.releasedToSku} back to the SKU)${r.settledNow ? ' now' : ''}` : 'active'}`,
    );
    if (r.consistent === false && !r.repairedRedis) exitCode = 1;
  }
} catch (err) {
  console.error(`seckill:reconcile failed: ${(err as Error).message}`);
  exitCode = 1;
} finally {
  redis.disconnect();
  await orm.close();
}
process.exit(exitCode);
