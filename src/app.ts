import { hostname } from 'node:os';
import type { ContainerType } from 'type-graphql';
import type { Config } from './config/config.js';
import { openDatabase, type Orm } from './infra/db/orm.js';
import { acquireStartupLock } from './infra/db/startup-lock.js';
import { brokerReachable } from './infra/mq/broker-probe.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './infra/mq/broker/index.js';
import { ConsumerRunner } from './infra/mq/consumer-runner.js';
import { OutboxRelay } from './infra/mq/outbox/outbox.js';
import { RocketMqMessageBus, stableInstanceId } from './infra/mq/rocketmq.message-bus.js';
import { createLogger, type Logger } from './infra/observability/logger.js';
import { Metrics } from './infra/observability/metrics.js';
import { IdempotencyGuard } from './infra/redis/idempotency-guard.js';
import { createRedis, waitForRedis, type RedisClient } from './infra/redis/redis.js';
import { buildAppSchema } from './graphql/schema.js';
import { startHttpServer, type HttpServer, type ServerDeps } from './graphql/server.js';
import { RedisRateLimiter } from './graphql/guards/rate-limiter.js';
import { startExternals, type Externals } from './infra/wechat/externals.js';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildModules, moduleEntities, moduleResolvers, type AppServices } from './composition.js';
import type { BuiltModule } from './modules/module.js';

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
  redis: RedisClient;
  bus: RocketMqMessageBus;
  outbox: OutboxRelay;
  consumers: ConsumerRunner;
  broker?: EmbeddedBroker;
  externals: Externals;
  http?: HttpServer;
  /** What the HTTP server was built from (tests and benches start a second edge from it, e.g. in production flavour). */
  serverDeps?: ServerDeps;
  instanceId: string;
  /** The built modules, in build order. */
  modules: BuiltModule[];
  services: AppServices;
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

    // Before the start-up lock: a worker in local mode waits here for the API's simulator. Had it
    // waited holding the lock, an API not yet past the lock could never start that simulator:
    // each waited for the other until the lock timed out.
    const externals = options.externals ?? (await startExternals(config, logger));
    if (!options.externals) onClose('outside-party clients', () => externals.close());

    // Migrations and the seed run under a MySQL lock: replicas starting together take turns.
    const releaseStartupLock = await acquireStartupLock(config.database, logger);
    onClose('start-up lock', releaseStartupLock);
    const orm = await openDatabase(config.database, { logger, entities: moduleEntities() });
    onClose('mysql', () => orm.close());

    const redis = createRedis(config.redis, logger, 'redis', config.redis.keyPrefix);
    onClose('redis', async () => redis.disconnect());
    if (!(await waitForRedis(redis))) logger.warn('redis not reachable at start-up; continuing with the database alone');


    const instanceId = config.instanceId ?? stableInstanceId(`${hostname()}:${config.port}`);
    const bus = new RocketMqMessageBus({ logger, metrics }, { endpoints, namespace: config.mq.namespace, accessKey: config.mq.accessKey, secretKey: config.mq.secretKey, longPollingTimeoutMs: config.mq.longPollingTimeoutMs, consumerMaxCachedMessages: config.mq.consumerMaxCachedMessages });
    const outbox = new OutboxRelay({ orm, bus, logger, metrics });
    const guard = new IdempotencyGuard({ redis, logger, metrics });
    const consumers = new ConsumerRunner({ host: bus, orm, guard, logger, metrics }, { maxDeliveryAttempts: options.maxDeliveryAttempts, maxConcurrentOutsideCalls: config.mq.consumerMaxCachedMessages });

    const pubSub = createPubSub();
    const built = buildModules({ config, logger, metrics, orm, redis, bus, outbox, externals, pubSub, instanceId });
    const { services } = built;
    const modules: BuiltModule[] = Object.values(built.modules);
    for (const module of modules) if (module.seed) await module.seed(orm.em.fork());
    await releaseStartupLock();

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
    for (const [name, module] of Object.entries(built.modules) as [string, BuiltModule][]) {
      await module.start?.();
      if (module.close) onClose(`module ${name}`, () => module.close!());
    }

    let http: HttpServer | undefined;
    let serverDeps: ServerDeps | undefined;
    if (config.runApi) {
      const instances = new Map<unknown, unknown>(modules.flatMap((m) => (m.resolvers ?? []).map((r) => [r.constructor, r] as const)));
      const container: ContainerType = { get: (cls) => instances.get(cls) };
      const schema = await buildAppSchema({ resolvers: moduleResolvers(), container, pubSub });
      serverDeps = {
        schema,
        orm,
        logger,
        metrics,
        authenticate: (token) => services.auth.authenticate(token),
        readiness: async () => ({
          mysql: await orm.em.fork().getConnection().execute('select 1').then(() => true, () => false),
          redis: await redis.ping().then(() => true, () => false),
          broker: await brokerReachable(endpoints!),
        }),
        routes: (app) => modules.forEach((m) => m.routes?.(app)),
        production: config.production,
        limits: {
          maxDocumentBytes: config.graphql.maxDocumentBytes,
          maxTokens: config.graphql.maxTokens,
          maxDepth: config.graphql.maxDepth,
          maxFields: config.graphql.maxFields,
          maxAliases: config.graphql.maxAliases,
          maxDirectives: config.graphql.maxDirectives,
          maxCost: config.graphql.maxCost,
        },
        playground: config.graphql.playground,
        edge: { wsMaxOperations: config.graphql.wsMaxOperations, wsSessionRecheckMs: config.graphql.wsSessionRecheckMs, ...config.http },
        mutationLimiter: new RedisRateLimiter(redis, { prefix: 'rl:mutation:', limit: config.graphql.mutationRateLimit, windowMs: config.graphql.mutationRateWindowMs }),
      };
      http = await startHttpServer(serverDeps, { port: config.port, host: config.host });
      // Registered last so it runs first: stop taking requests before anything else closes.
      onClose('http server', () => http!.close());
      externals.setNotifyBaseUrl(config.publicUrl ?? http.url);
    }

    return { config, logger, metrics, orm, redis, bus, outbox, consumers, broker, externals, http, serverDeps, instanceId, modules, services, close };
  } catch (err) {
    await close();
    throw err;
  }
}
