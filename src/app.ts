import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { ContainerType } from 'type-graphql';
import type { Config } from './config/config.js';
import { openDatabase, type Orm } from './infra/db/orm.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './infra/mq/broker/index.js';
import { ConsumerRunner } from './infra/mq/consumer-runner.js';
import { OutboxRelay } from './infra/mq/outbox/outbox.js';
import { RocketMqMessageBus, stableInstanceId } from './infra/mq/rocketmq.message-bus.js';
import type { AuthService } from './modules/auth/auth.service.js';
import { createLogger, type Logger } from './infra/observability/logger.js';
import { Metrics } from './infra/observability/metrics.js';
import { IdempotencyGuard } from './infra/redis/idempotency-guard.js';
import { createRedis, waitForRedis } from './infra/redis/redis.js';
import { buildAppSchema } from './graphql/schema.js';
import { startHttpServer, type HttpServer } from './graphql/server.js';
import { startExternals, type Externals } from './infra/wechat/externals.js';
import { createPubSub } from '@graphql-yoga/subscription';
import { MODULES } from './modules/index.js';
import type { AppModule } from './modules/module.js';

export interface AppOptions {
  logger?: Logger;
  /** Outside parties already started (tests bring their fakes); otherwise local mode starts simulators. */
  externals?: Externals;
  /** Options for the in-process broker when no ROCKETMQ_ENDPOINTS is set. */
  brokerOptions?: Partial<Parameters<typeof startEmbeddedBroker>[0]>;
  /** Consumer runner's max attempts before dead-lettering. */
  maxDeliveryAttempts?: number;
}

export interface App {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  orm: Orm;
  redis: Redis;
  bus: RocketMqMessageBus;
  outbox: OutboxRelay;
  consumers: ConsumerRunner;
  broker?: EmbeddedBroker;
  externals: Externals;
  http?: HttpServer;
  instanceId: string;
  modules: AppModule[];
  services: Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * The composition root: builds infrastructure, modules, the GraphQL schema and the consumers,
 * and starts what this process's ROLE asks for. Nothing else chooses an adapter.
 */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = new Metrics({ defaultMetrics: true });
  const closers: { name: string; fn: () => Promise<unknown> }[] = [];
  const onClose = (name: string, fn: () => Promise<unknown>) => closers.push({ name, fn });
  // Closed in reverse order of start: HTTP first (stop taking work), the broker last.
  const close = async () => {
    for (const { name, fn } of closers.splice(0).reverse()) {
      const started = Date.now();
      await fn().catch((err: Error) => logger.warn({ err: err.message, step: name }, 'error during shutdown'));
      logger.info({ step: name, ms: Date.now() - started }, 'closed');
    }
  };

  try {
    let broker: EmbeddedBroker | undefined;
    let endpoints = config.mq.endpoints;
    if (!endpoints) {
      broker = await startEmbeddedBroker({
        port: config.mq.embeddedBrokerPort,
        dataDir: config.mq.brokerDataDir,
        adminPort: null,
        // The broker's settings reply overrides the client's long-poll time (shutdown waits for it).
        longPollingTimeoutMs: config.mq.longPollingTimeoutMs,
        logger,
        ...options.brokerOptions,
      });
      onClose('embedded broker', () => broker!.close());
      endpoints = broker.endpoint;
      logger.info({ endpoint: endpoints, dataDir: config.mq.brokerDataDir }, 'embedded RocketMQ broker started');
    }

    const orm = await openDatabase(config.database, { logger });
    onClose('mysql', () => orm.close());

    const redis = createRedis(config.redis.url, logger, 'redis', config.redis.keyPrefix);
    onClose('redis', async () => redis.disconnect());
    if (!(await waitForRedis(redis))) logger.warn('redis not reachable at start-up; continuing with the database alone');

    const externals = options.externals ?? (await startExternals(config, logger));
    if (!options.externals) onClose('outside-party clients', () => externals.close());

    const instanceId = config.instanceId ?? stableInstanceId(`${hostname()}:${config.port}`);
    const bus = new RocketMqMessageBus({ logger, metrics }, { endpoints, namespace: config.mq.namespace, accessKey: config.mq.accessKey, secretKey: config.mq.secretKey, longPollingTimeoutMs: config.mq.longPollingTimeoutMs, consumerMaxCachedMessages: config.mq.consumerMaxCachedMessages });
    const outbox = new OutboxRelay({ orm, bus, logger, metrics });
    const guard = new IdempotencyGuard({ redis, logger, metrics });
    const consumers = new ConsumerRunner({ host: bus, orm, guard, logger, metrics }, { maxDeliveryAttempts: options.maxDeliveryAttempts });

    const pubSub = createPubSub();
    const services: Record<string, unknown> = {};
    const modules: AppModule[] = [];
    for (const factory of MODULES) {
      const module = await factory({ config, logger, metrics, orm, redis, bus, outbox, guard, consumers, externals, pubSub, instanceId, services });
      Object.assign(services, module.services);
      modules.push(module);
    }
    for (const module of modules) if (module.seed) await module.seed(orm.em.fork());

    await bus.start();
    onClose('message bus', () => bus.close());
    outbox.start();
    onClose('outbox relay', () => outbox.close());

    const definitions = modules.flatMap((m) => [...(config.runWorkers ? m.consumers ?? [] : []), ...(config.runApi ? m.instanceConsumers ?? [] : [])]);
    for (const definition of definitions) await consumers.register(definition);
    if (definitions.length > 0) {
      onClose('consumers', () => bus.closeConsumers());
      logger.info({ groups: definitions.map((d) => d.group) }, 'consumers started');
    }
    for (const module of modules) {
      await module.start?.();
      if (module.close) onClose(`module ${module.name}`, () => module.close!());
    }

    let http: HttpServer | undefined;
    if (config.runApi) {
      const instances = new Map<unknown, unknown>(modules.flatMap((m) => m.resolvers ?? []));
      const container: ContainerType = { get: (cls) => instances.get(cls) };
      const schema = await buildAppSchema({ container, pubSub });
      http = await startHttpServer(
        {
          schema,
          orm,
          logger,
          metrics,
          authenticate: (token) => (services.auth as AuthService).authenticate(token),
          readiness: async () => ({
            mysql: await orm.em.fork().getConnection().execute('select 1').then(() => true, () => false),
            redis: await redis.ping().then(() => true, () => false),
          }),
          routes: (app) => modules.forEach((m) => m.routes?.(app)),
          production: config.production,
          maxDepth: config.graphql.maxDepth,
          maxCost: config.graphql.maxCost,
        },
        { port: config.port, host: config.host },
      );
      // Registered last so it runs first: stop taking requests before anything else closes.
      onClose('http server', () => http!.close());
      externals.setNotifyBaseUrl(config.publicUrl ?? http.url);
    }

    return { config, logger, metrics, orm, redis, bus, outbox, consumers, broker, externals, http, instanceId, modules, services, close };
  } catch (err) {
    await close();
    throw err;
  }
}
