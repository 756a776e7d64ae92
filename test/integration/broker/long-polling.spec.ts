import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/infra/mq/broker/index.js';
import { RocketMqMessageBus } from '../../../src/infra/mq/rocketmq.message-bus.js';
import { ConsumerGroups, Topics } from '../../../src/infra/mq/topics.js';
import { createLogger } from '../../../src/infra/observability/logger.js';
import { Metrics } from '../../../src/infra/observability/metrics.js';
import { eventually } from '../../helpers/wait.js';

/**
 * A standalone broker advertises RocketMQ's 20 s long poll in its settings reply; the client used
 * to adopt it, so MQ_LONG_POLLING_TIMEOUT never reached the broker and shutdown waited ~20 s for
 * the in-flight receive. The client's own (smaller) value must survive the settings sync.
 */
describe('the push consumer keeps its configured long-polling timeout', () => {
  let broker: EmbeddedBroker;
  let bus: RocketMqMessageBus;
  const dataDir = mkdtempSync(join(tmpdir(), 'wxshop-longpoll-'));

  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0, dataDir, adminPort: null, longPollingTimeoutMs: 20_000 });
    bus = new RocketMqMessageBus({ logger: createLogger({ level: 'silent' }), metrics: new Metrics() }, { endpoints: broker.endpoint, longPollingTimeoutMs: 7_000 });
  });
  afterAll(async () => {
    await bus?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("after the broker's settings reply, receives still ask for the client's 7 s", async () => {
    await bus.subscribe({ group: ConsumerGroups.Notify, topic: Topics.OrderStatus, tagExpression: '*', handle: async () => 'ack' });
    const settings = (bus as unknown as { consumers: { getPushConsumerSettings(): { isFifo(): boolean; getLongPollingTimeout(): number } }[] }).consumers[0]!.getPushConsumerSettings();
    // cg-notify is FIFO on the broker only: the flag flips when its settings reply has been applied.
    await eventually(() => settings.isFifo(), { what: 'settings reply applied' });
    expect(settings.getLongPollingTimeout()).toBe(7_000);
  });
});
