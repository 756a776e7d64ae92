/**
 * Looks at a broker the way any RocketMQ 5 client can, so a test's assertion holds on the
 * embedded broker and on Apache RocketMQ alike (instead of the embedded broker's stats()).
 */
import { randomBytes } from 'node:crypto';
import { SimpleConsumer } from 'rocketmq-client-nodejs';
import type { TestApp } from './test-app.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {}, close() {} };
/** RocketMQ's proxy polls for at least 5 s and keeps a message invisible for at least 10 s. */
const AWAIT_MS = 5_000;
const INVISIBLE_MS = 10_000;

/** The broker endpoint an app uses (its embedded broker's, or the one it was given). */
export function brokerEndpoint(app: TestApp): string {
  return app.config.mq.endpoints ?? app.broker!.endpoint;
}

/**
 * The keys, among `wanted`, of the messages in the dead-letter queue of `group` (`%DLQ%<group>`),
 * read by a fresh probe group; resolves once every wanted key was seen, or after `timeoutMs`
 * with what was seen. The topic appears with its first dead letter, so a missing topic is retried.
 */
export async function deadLetteredKeys(endpoints: string, group: string, wanted: readonly string[], timeoutMs = 30_000): Promise<Set<string>> {
  const seen = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  let probe: SimpleConsumer | undefined;
  try {
    while (seen.size < wanted.length && Date.now() < deadline) {
      if (!probe) {
        const candidate = new SimpleConsumer({
          endpoints,
          namespace: '',
          consumerGroup: `probe-dlq-${randomBytes(4).toString('hex')}`,
          subscriptions: new Map([[`%DLQ%${group}`, '*']]),
          awaitDuration: AWAIT_MS,
          logger: quiet,
        } as never);
        try {
          await candidate.startup();
          probe = candidate;
        } catch {
          await candidate.shutdown().catch(() => undefined);
          await new Promise((r) => setTimeout(r, 500)); // no event tells when the DLQ topic appears
          continue;
        }
      }
      for (const view of await probe.receive(32, INVISIBLE_MS)) {
        for (const key of view.keys) if (wanted.includes(key)) seen.add(key);
        await probe.ack(view);
      }
    }
  } finally {
    await probe?.shutdown().catch(() => undefined);
  }
  return seen;
}
