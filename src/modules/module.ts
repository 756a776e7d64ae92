import type { EntityManager } from '@mikro-orm/mysql';
import type { Express } from 'express';
import type { RedisClient } from '../infra/redis/redis.js';
import type { PubSub } from 'type-graphql';
import type { Config } from '../config/config.js';
import type { Entities, OrmHandle } from '../infra/db/orm.js';
import type { ConsumerDefinition } from '../infra/mq/consumer-runner.js';
import type { MessageBus } from '../infra/mq/message-bus.port.js';
import type { TransactionalOutbox } from '../infra/mq/outbox/outbox.port.js';
import type { Logger } from '../infra/observability/logger.js';
import type { Metrics } from '../infra/observability/metrics.js';
import type { Externals } from '../infra/wechat/externals.js';

/** The shared infrastructure every module is built from (ports, never adapters' internals). */
export interface Infra {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  orm: OrmHandle;
  redis: RedisClient;
  bus: MessageBus;
  outbox: TransactionalOutbox;
  externals: Externals;
  pubSub: PubSub;
  /** Stable id of this process; per-instance consumer groups are named after it. */
  instanceId: string;
}

/**
 * What a module's factory gives the composition root. `services` is what other modules may be
 * handed (typed: the composition root passes them on as constructor dependencies); the rest is
 * optional: resolvers, consumers, HTTP routes, seed data and lifecycle hooks as the module needs.
 */
export interface BuiltModule<S extends object = object> {
  services: S;
  /** Resolver instances; type-graphql's container hands each out for its class. */
  resolvers?: object[];
  /** Consumers run when ROLE is worker or all. */
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

/**
 * A module: what the ORM and the schema need before anything is built (its entities and resolver
 * classes: tools print the schema and diff migrations without building services), and its
 * factory. `Needs` names the other modules' services it is built from, so the composition root
 * cannot build it before them.
 */
export interface ModuleDefinition<N extends string, Needs, S extends object> {
  name: N;
  entities: Entities;
  /** Resolver classes (the factory returns their instances). */
  resolvers: readonly Function[];
  create(infra: Infra, needs: Needs): BuiltModule<S>;
}

export function defineModule<N extends string, Needs, S extends object>(definition: ModuleDefinition<N, Needs, S>): ModuleDefinition<N, Needs, S> {
  return definition;
}
