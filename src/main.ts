import 'reflect-metadata';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './infra/observability/logger.js';

/**
 * How long a graceful shutdown may take before the process exits anyway. Push consumers wait for
 * their in-flight long-poll (a real RocketMQ proxy sets 20 s) before they stop.
 */
const SHUTDOWN_TIMEOUT_MS = 30_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`wxshop-bff cannot start: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  const app = await createApp(config, { logger });

  const lines = [
    '',
    `wxshop-bff is up (ROLE=${config.role}, ${config.localMode ? 'local mode: WeChat, WeChat Pay, SMS and logistics are simulated' : 'production adapters'})`,
    app.http ? `  GraphQL + playground  ${app.http.url}/graphql` : '  GraphQL               not served (ROLE=worker)',
    app.http ? `  subscriptions         ${app.http.url.replace('http', 'ws')}/graphql (graphql-ws)` : undefined,
    app.http ? `  health / metrics      ${app.http.url}/healthz  ${app.http.url}/readyz  ${app.http.url}/metrics` : undefined,
    `  MySQL                 ${config.database.url.replace(/\/\/[^@]*@/, '//***@')}`,
    `  Redis                 ${config.redis.url.replace(/\/\/[^@]*@/, '//***@')}`,
    app.broker
      ? `  RocketMQ              embedded broker at ${app.broker.endpoint}, data in ${config.mq.brokerDataDir}`
      : `  RocketMQ              ${config.mq.endpoints}`,
    app.externals.describe ? `  simulators            ${app.externals.describe}` : undefined,
    config.seedDemoData ? '  admin login           admin / admin (adminLogin mutation)' : undefined,
    '',
  ].filter((l): l is string => l !== undefined);
  console.log(lines.join('\n'));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests, stopping consumers, closing connections');
    const force = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    app.close().then(
      () => {
        logger.info('shutdown complete');
        logger.flush();
        process.exit(0);
      },
      (err: Error) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: Error) => {
  console.error('wxshop-bff failed to start:', err.message);
  process.exit(1);
});
