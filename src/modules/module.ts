import type { EntityManager } from '@mikro-orm/mysql';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { PubSub } from 'type-graphql';
import type { Config } from '../config/config.js';
import type { Orm } from '../infra/db/orm.js';
import type { ConsumerDefinition, ConsumerRunner } from '../infra/mq/consumer-runner.js';
import type { MessageBus } from '../infra/mq/message-bus.port.js';
import type { OutboxRelay } from '../infra/mq/outbox/outbox.js';
import type { Logger } from '../infra/observability/logger.js';
import type { Metrics } from '../infra/observability/metrics.js';
import type { IdempotencyGuard } from '../infra/redis/idempotency-guard.js';
import type { Externals } from '../infra/wechat/externals.js';

/** The shared infrastructure every module is built from (ports, never adapters' internals). */
export interface ModuleDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  orm: Orm;
  redis: Redis;
  bus: MessageBus;
  outbox: OutboxRelay;
  guard: IdempotencyGuard;
  consumers: ConsumerRunner;
  externals: Externals;
  pubSub: PubSub;
  /** Stable id of this process; per-instance consumer groups are named after it. */
  instanceId: string;
  /** Services of the modules built before this one, by name (a module calls services, never tables). */
  services: Record<string, unknown>;
}

/**
 * What a module gives the composition root. Everything is optional: a module contributes
 * resolvers, consumers, HTTP routes, seed data and lifecycle hooks as it needs.
 */
export interface AppModule {
  name: string;
  /** Services other modules may call, by name. */
  services?: Record<string, unknown>;
  /** Resolver instances, keyed by their class (type-graphql's container hands them out). */
  resolvers?: [Function, unknown][];
  /** Consumers run when ROLE is worker or all (per-instance broadcast ones run with the API too). */
  consumers?: ConsumerDefinition<any>[];
  /** Consumers that serve this instance's API (L1 invalidation, subscriptions): run when ROLE is api or all. */
  instanceConsumers?: ConsumerDefinition<any>[];
  routes?: (app: Express) => void;
  /** Idempotent seed (demo data in local mode, required rows always). */
  seed?: (em: EntityManager) => Promise<void>;
  /** Called once everything is built and the bus is started (timers, sweeps). */
  start?: () => Promise<void> | void;
  close?: () => Promise<void>;
}

export type ModuleFactory = (deps: ModuleDeps) => AppModule | Promise<AppModule>;
