/**
 * What a RocketMQ 5 cluster must hold for this service: every topic of topics.ts with its message
 * type, every consumer group with its FIFO flag and retry policy, as mqadmin commands
 * (ops/rocketmq/provision.ts runs them) and as the embedded broker's declarations.
 */
import {
  ConsumerGroups,
  FIFO_CONSUMER_GROUPS,
  FIFO_CONSUMER_GROUP_PREFIXES,
  ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX,
  STORE_CHANGED_INSTANCE_GROUP_PREFIX,
  TOPIC_TYPES,
  type TopicMessageType,
} from './topics.js';

export interface RetryPolicySpec {
  /** first retry delay (ms) */
  initialMs: number;
  /** cap (ms) */
  maxMs: number;
  multiplier: number;
}

export interface GroupSpec {
  name: string;
  fifo: boolean;
  /** RocketMQ's retryMaxTimes: deliveries = retryMaxTimes + 1 */
  retryMaxTimes: number;
  retry: RetryPolicySpec;
}

export interface MqCatalogue {
  topics: { name: string; type: TopicMessageType }[];
  groups: GroupSpec[];
}

/** The embedded broker's defaults: 1 s, 2 s, 4 s, … up to 2 h; 16 retries as RocketMQ's default. */
export const DEFAULT_RETRY: RetryPolicySpec = { initialMs: 1_000, maxMs: 2 * 3600_000, multiplier: 2 };
export const DEFAULT_RETRY_MAX_TIMES = 16;

export function isFifoGroupName(group: string): boolean {
  return FIFO_CONSUMER_GROUPS.includes(group) || FIFO_CONSUMER_GROUP_PREFIXES.some((p) => group.startsWith(p));
}

export interface CatalogueOptions {
  /**
   * INSTANCE_ID of every API instance: each has its own `cg-order-sub-<id>` (FIFO) and
   * `cg-store-l1-<id>` group, which must exist before it starts, since RocketMQ auto-creates
   * groups as non-FIFO.
   */
  instanceIds?: readonly string[];
  /** extra groups (e.g. of tests), FIFO when their name says so (isFifoGroupName) */
  extraGroups?: readonly string[];
  retry?: Partial<RetryPolicySpec>;
  retryMaxTimes?: number;
}

export function messageCatalogue(options: CatalogueOptions = {}): MqCatalogue {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const retryMaxTimes = options.retryMaxTimes ?? DEFAULT_RETRY_MAX_TIMES;
  const names = new Set<string>([...Object.values(ConsumerGroups), ...(options.extraGroups ?? [])]);
  for (const id of options.instanceIds ?? []) {
    names.add(`${ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX}${id}`);
    names.add(`${STORE_CHANGED_INSTANCE_GROUP_PREFIX}${id}`);
  }
  return {
    topics: Object.entries(TOPIC_TYPES).map(([name, type]) => ({ name, type })),
    groups: [...names].map((name) => ({ name, fifo: isFifoGroupName(name), retryMaxTimes, retry })),
  };
}

export interface AdminTarget {
  /** name server "host:port" (';'-separated for several) */
  namesrv: string;
  /** cluster to create topics and groups on (every master of it) */
  cluster: string;
  /** queues per topic (RocketMQ's default 8) */
  queues?: number;
  /**
   * rocketmq-client-nodejs 1.0.x reads the backoff Duration's `seconds` as milliseconds, so a
   * group whose policy says 1000 ms makes Node consumers retry after 1 ms. With this on (default),
   * the stored policy is scaled by 1000 so Node consumers wait what the catalogue says; a Java or
   * Go consumer of the same group would wait 1000 times longer.
   */
  compensateNodeBackoff?: boolean;
}

/** RocketMQ's own mqadmin commands that create or update (idempotently) the catalogue. */
export function mqadminCommands(catalogue: MqCatalogue, target: AdminTarget): string[][] {
  const queues = String(target.queues ?? 8);
  const scale = target.compensateNodeBackoff === false ? 1 : 1000;
  const commands: string[][] = [];
  for (const topic of catalogue.topics) {
    commands.push(['updateTopic', '-n', target.namesrv, '-c', target.cluster, '-t', topic.name, '-r', queues, '-w', queues, '-a', `+message.type=${topic.type}`]);
  }
  for (const group of catalogue.groups) {
    const policy = {
      type: 'EXPONENTIAL',
      exponentialRetryPolicy: { initial: group.retry.initialMs * scale, max: group.retry.maxMs * scale, multiplier: group.retry.multiplier },
    };
    commands.push([
      'updateSubGroup', '-n', target.namesrv, '-c', target.cluster, '-g', group.name,
      '-o', String(group.fifo), '-r', String(group.retryMaxTimes), '-p', JSON.stringify(policy),
    ]);
  }
  return commands;
}
