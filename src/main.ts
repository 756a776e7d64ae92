import 'reflect-metadata';
import { pino } from 'pino';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './infra/observability/logger.js';
import { LOCAL_ADMIN } from './modules/auth/auth.module.js';

/**
 * How long a graceful shutdown may take before the process exits anyway. Push consumers wait for
 * their in-flight long-poll (a real RocketMQ proxy sets 20 s) before they stop.
 */
const SHUTDOWN_TIMEOUT_MS = 30_000;

/** Where QA finds logins, payment simulation, timeouts and every error code (relative to the checkout). */
const QA_GUIDE = 'docs/qa.md';

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
  // The banner goes through the loggers' own (asynchronous) stdout stream, so it lands after every
  // start-up log line instead of overtaking the ones still queued.
  const stdout = pino.destination({ sync: false });
  const logger = createLogger({ level: config.logLevel, destination: stdout as unknown as NodeJS.WritableStream });
  const app = await createApp(config, { logger });

  const lines = [
    '',
    `wxshop-bff is up (ROLE=${config.role}, ${config.localMode ? 'local mode: WeChat, WeChat Pay, SMS and logistics are simulated' : 'production adapters'})`,
    app.http ? `  GraphQL               POST ${app.http.url}/graphql` : '  GraphQL               not served (ROLE=worker)',
    app.http && config.graphql.playground ? `  playground            ${app.http.url}/graphql (open it in a browser)` : undefined,
    app.http ? `  subscriptions         ${app.http.url.replace('http', 'ws')}/graphql (graphql-ws)` : undefined,
    app.http ? `  health / metrics      ${app.http.url}/healthz  ${app.http.url}/readyz  ${app.http.url}/metrics` : undefined,
    `  MySQL                 ${config.database.url.replace(/\/\/[^@]*@/, '//***@')}`,
    config.redis.clusterNodes
      ? `  Redis Cluster         ${config.redis.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`
      : `  Redis                 ${config.redis.url.replace(/\/\/[^@]*@/, '//***@')}`,
    app.broker
      ? `  RocketMQ              embedded broker at ${app.broker.endpoint}, data in ${config.mq.brokerDataDir}`
      : `  RocketMQ              ${config.mq.endpoints}`,
    app.externals.describe ? `  simulators            ${app.externals.describe}` : undefined,
    config.localMode ? '  user login            login(code: "any-code"): any code works, codes starting with "invalid" are refused' : undefined,
    config.auth.adminPassword
      ? `  admin login           adminLogin(username: "${LOCAL_ADMIN.username}", password: <ADMIN_PASSWORD>)`
      : config.seedDemoData
        ? `  admin login           adminLogin(username: "${LOCAL_ADMIN.username}", password: "${LOCAL_ADMIN.password}")`
        : undefined,
    `  QA guide              ${QA_GUIDE}`,
    '',
  ].filter((l): l is string => l !== undefined);
  // The banner is what a new user reads, so it comes last.
  stdout.write(`${lines.join('\n')}\n`);

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
