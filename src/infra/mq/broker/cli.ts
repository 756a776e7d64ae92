/**
 * Standalone embedded broker:
 *   node dist/src/infra/mq/broker/cli.js [--host 127.0.0.1] [--port 8081] [--data-dir ./data/broker] [--admin-port 8082]
 *     [--topics Name:FIFO,Other:DELAY] [--fifo-groups cg-a,cg-sub-*] [--config broker.json]
 *     [--no-default-catalogue] [--no-auto-create-topics]
 * Declarations (cli-options.ts) add to the catalogue of topics.ts unless --no-default-catalogue.
 * Topics created on first use are NORMAL, as RocketMQ's.
 * Env: EMBEDDED_BROKER_HOST, EMBEDDED_BROKER_PORT, BROKER_DATA_DIR, EMBEDDED_BROKER_ADMIN_PORT, LOG_LEVEL.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { brokerDeclarations } from './cli-options.js';
import { startEmbeddedBroker } from './index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'admin-port': { type: 'string' },
      fsync: { type: 'boolean' },
      topics: { type: 'string' },
      'fifo-groups': { type: 'string' },
      config: { type: 'string' },
      'default-catalogue': { type: 'boolean' },
      'auto-create-topics': { type: 'boolean' },
    },
    allowPositionals: false,
    allowNegative: true,
  });
  const declarations = brokerDeclarations(values);
  const host = values.host ?? process.env.EMBEDDED_BROKER_HOST ?? '127.0.0.1';
  const port = Number(values.port ?? process.env.EMBEDDED_BROKER_PORT ?? 8081);
  const dataDir = values['data-dir'] ?? process.env.BROKER_DATA_DIR ?? './data/broker';
  const adminRaw = values['admin-port'] ?? process.env.EMBEDDED_BROKER_ADMIN_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${port}`);
  const adminPort = adminRaw !== undefined ? Number(adminRaw) : port === 0 ? 0 : port + 1;
  const logger = pino({ name: 'embedded-broker', level: process.env.LOG_LEVEL ?? 'info' });
  // Signal handlers go in before start-up, so a SIGTERM at any moment stops the broker cleanly.
  const starting = startEmbeddedBroker({ host, port, dataDir, adminPort, logger, fsync: values.fsync ?? false, ...declarations });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping embedded broker');
    starting
      .then((b) => b.close())
      .then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const broker = await starting;
  // one machine-readable line so a parent process can find the ports
  process.stdout.write(`${JSON.stringify({ msg: 'broker ready', endpoint: broker.endpoint, port: broker.port, adminUrl: broker.adminUrl })}\n`);
}

main().catch((err) => {
  process.stderr.write(`embedded broker failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
