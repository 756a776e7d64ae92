/**
 * Embedded RocketMQ 5 broker: speaks `apache.rocketmq.v2.MessagingService` over gRPC well enough
 * for the official rocketmq-client-nodejs (Producer, SimpleConsumer, PushConsumer) to work against
 * it unchanged. See README.md in this directory.
 */
import http from 'node:http';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { FIFO_CONSUMER_GROUPS, FIFO_CONSUMER_GROUP_PREFIXES, TOPIC_TYPES, type TopicMessageType } from '../topics.js';
import { BrokerCore, type BrokerStats } from './core.js';
import { messagingServiceDefinition } from './proto.js';
import { MessagingService } from './service.js';

export type { BrokerStats, GroupStats, TopicStats } from './core.js';
export type { TopicMessageType };

export interface RetryBackoffOptions {
  /** first retry delay advertised to consumers (default 1000 ms) */
  initialMs?: number;
  /** cap of the delay (default 2 h, as RocketMQ's exponential policy) */
  maxMs?: number;
  /** default 2 */
  multiplier?: number;
}

export interface TransactionCheckOptions {
  /** first check of an undecided half message after this long (default 6000 ms) */
  firstDelayMs?: number;
  /** then every intervalMs (default 30000 ms) */
  intervalMs?: number;
  /** after this many unanswered checks the half message is discarded (default 15) */
  maxChecks?: number;
}

export interface EmbeddedBrokerOptions {
  /** interface to listen on (default '127.0.0.1') */
  host?: string;
  /** gRPC port; 0 = ephemeral (default 8081) */
  port?: number;
  /** directory of the append-only log */
  dataDir: string;
  /** topic → message type; defaults to the catalogue of src/infra/mq/topics.ts */
  topics?: Record<string, TopicMessageType>;
  /** create NORMAL topics on first route query / send (default true) */
  autoCreateTopics?: boolean;
  /** FIFO consumer groups (default FIFO_CONSUMER_GROUPS) */
  fifoGroups?: readonly string[];
  /** any group starting with one of these is FIFO (default FIFO_CONSUMER_GROUP_PREFIXES) */
  fifoGroupPrefixes?: readonly string[];
  /** deliveries of one message to one group before it goes to %DLQ%<group> (default 16) */
  maxDeliveryAttempts?: number;
  /** smallest invisible duration a receive may ask for (default 10000 ms, as RocketMQ) */
  minInvisibleDurationMs?: number;
  retryBackoff?: RetryBackoffOptions;
  transactionCheck?: TransactionCheckOptions;
  /** long-polling timeout advertised to push consumers, and the most a receive waits (default 20000 ms, as RocketMQ) */
  longPollingTimeoutMs?: number;
  /**
   * The least a receive waits, and the least time before its deadline it needs, else it is refused
   * (default 5000 ms, as RocketMQ's proxy: grpcClientConsumerMinLongPollingTimeoutMillis).
   */
  minLongPollingTimeoutMs?: number;
  /** how far ahead a delay message may be scheduled (default 24 h, as the proxy) */
  maxDelayMs?: number;
  /** how long a message every group acked stays stored for groups that subscribe later (default 5 min) */
  retentionMs?: number;
  /** fdatasync after every write (survives power loss, slower); default false: write() only (survives kill -9) */
  fsync?: boolean;
  /** compact the log when it exceeds this size and has doubled since the last compaction (default 256 MiB) */
  compactThresholdBytes?: number;
  /** admin HTTP port: 0 = ephemeral, null/undefined = no admin endpoint */
  adminPort?: number | null;
  logger?: Logger;
}

export interface EmbeddedBroker {
  /** "127.0.0.1:<port>", what the clients take as `endpoints` */
  readonly endpoint: string;
  readonly port: number;
  /** e.g. "http://127.0.0.1:8082" when the admin endpoint is on */
  readonly adminUrl?: string;
  stats(): BrokerStats;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  if (!options?.dataDir) throw new TypeError('dataDir is required');
  const host = options.host ?? '127.0.0.1';
  const logger =
    options.logger ?? pino({ name: 'embedded-broker', level: process.env.LOG_LEVEL ?? 'info' });
  const log = logger.child({ component: 'mq-broker' });
  const tc = options.transactionCheck ?? {};
  const rb = options.retryBackoff ?? {};
  const maxDeliveryAttempts = options.maxDeliveryAttempts ?? 16;
  const minInvisibleDurationMs = options.minInvisibleDurationMs ?? 10_000;

  const core = new BrokerCore({
    dataDir: path.resolve(options.dataDir),
    topics: options.topics ?? { ...TOPIC_TYPES },
    autoCreateTopics: options.autoCreateTopics ?? true,
    fifoGroups: options.fifoGroups ?? FIFO_CONSUMER_GROUPS,
    fifoGroupPrefixes: options.fifoGroupPrefixes ?? FIFO_CONSUMER_GROUP_PREFIXES,
    maxDeliveryAttempts,
    minInvisibleDurationMs,
    transactionCheck: {
      firstDelayMs: tc.firstDelayMs ?? 6000,
      intervalMs: tc.intervalMs ?? 30_000,
      maxChecks: tc.maxChecks ?? 15,
    },
    maxDelayMs: options.maxDelayMs ?? 24 * 3600_000,
    retentionMs: options.retentionMs ?? 5 * 60_000,
    fsync: options.fsync ?? false,
    compactThresholdBytes: options.compactThresholdBytes ?? 256 * 1024 * 1024,
    logger: log,
  });
  core.open();

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc.max_send_message_length': -1,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const advertised = { host, port: options.port ?? 8081 };
  const service = new MessagingService(
    core,
    {
      maxDeliveryAttempts,
      minInvisibleDurationMs,
      longPollingTimeoutMs: options.longPollingTimeoutMs ?? 20_000,
      minLongPollingTimeoutMs: options.minLongPollingTimeoutMs ?? 5_000,
      retryBackoff: {
        initialMs: rb.initialMs ?? 1000,
        maxMs: rb.maxMs ?? 2 * 3600_000,
        multiplier: rb.multiplier ?? 2,
      },
      advertised,
    },
    log,
  );
  server.addService(messagingServiceDefinition(), service.handlers());
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${options.port ?? 8081}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      );
    });
  } catch (err) {
    core.close();
    throw err;
  }
  advertised.port = port;

  let admin: http.Server | undefined;
  let adminUrl: string | undefined;
  if (options.adminPort !== undefined && options.adminPort !== null) {
    admin = http.createServer((req, res) => {
      const url = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && (url === '/admin/stats' || url === '/admin/stats/')) {
        const body = JSON.stringify(core.stats());
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'not found', routes: ['GET /admin/stats'] }));
      }
    });
    try {
      await new Promise<void>((resolve, reject) => {
        admin!.once('error', reject);
        admin!.listen(options.adminPort!, host, () => resolve());
      });
    } catch (err) {
      server.forceShutdown();
      core.close();
      throw err;
    }
    const addr = admin.address();
    adminUrl = `http://${host}:${typeof addr === 'object' && addr ? addr.port : options.adminPort}`;
  }
  log.info({ endpoint: `${host}:${port}`, adminUrl, dataDir: options.dataDir }, 'embedded broker started');

  let closed: Promise<void> | undefined;
  return {
    endpoint: `${host}:${port}`,
    port,
    adminUrl,
    stats: () => core.stats(),
    close() {
      closed ??= (async () => {
        service.close();
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, 2000);
          server.tryShutdown(() => {
            clearTimeout(t);
            resolve();
          });
        });
        server.forceShutdown();
        if (admin) {
          admin.closeAllConnections?.();
          await new Promise<void>((resolve) => admin!.close(() => resolve()));
        }
        core.close();
        log.info('embedded broker stopped');
      })();
      return closed;
    },
  };
}
