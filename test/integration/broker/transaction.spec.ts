import { afterEach, describe, expect, it } from '@jest/globals';
import { COMMIT, Collector, ConsumeResult, ROLLBACK, TestBed, deferred, within, type MessageView } from './helpers.js';
import { sleep } from '../../helpers/wait.js';

describe('embedded broker: transactional messages', () => {
  let bed: TestBed;
  afterEach(async () => {
    await bed?.close();
  });

  async function setup(check: (m: MessageView) => Promise<number>, tc = { firstDelayMs: 500, intervalMs: 500, maxChecks: 3 }) {
    bed = await TestBed.start({ topics: { TTx: 'TRANSACTION' }, transactionCheck: tc });
    const producer = await bed.producer({ topics: ['TTx'], checker: { check } });
    const got = new Collector();
    await bed.pushConsumer('g-tx', { TTx: '*' }, (m) => (got.add(m), ConsumeResult.SUCCESS));
    return { producer, got };
  }

  it('commit makes the half message visible; rollback discards it', async () => {
    const { producer, got } = await setup(async () => 0, { firstDelayMs: 30_000, intervalMs: 30_000, maxChecks: 1 });
    const t1 = producer.beginTransaction();
    await producer.send({ topic: 'TTx', body: Buffer.from('commit-me') }, t1);
    const t2 = producer.beginTransaction();
    await producer.send({ topic: 'TTx', body: Buffer.from('rollback-me') }, t2);
    await sleep(300);
    expect(got.items.length).toBe(0);
    expect(bed.broker.stats().topics.find((t) => t.name === 'TTx')?.halfMessages).toBe(2);
    await t2.rollback();
    await t1.commit();
    await got.waitCount(1);
    await sleep(500);
    expect(got.bodies()).toEqual(['commit-me']);
    expect(bed.broker.stats().topics.find((t) => t.name === 'TTx')?.halfMessages).toBe(0);
  });

  it('without a decision the broker asks the producer (check-back answered COMMIT)', async () => {
    const asked = deferred<string>();
    const { producer, got } = await setup(async (m) => {
      asked.resolve(m.body.toString());
      return COMMIT;
    });
    const t = producer.beginTransaction();
    const sentAt = Date.now();
    await producer.send({ topic: 'TTx', body: Buffer.from('orphan-commit') }, t);
    expect(await within(asked.promise, 5000, 'transaction check')).toBe('orphan-commit');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(450);
    await got.waitCount(1);
    expect(got.bodies()).toEqual(['orphan-commit']);
  });

  it('check-back answered ROLLBACK discards the message', async () => {
    let checks = 0;
    const { producer, got } = await setup(async () => {
      checks++;
      return ROLLBACK;
    });
    const t = producer.beginTransaction();
    await producer.send({ topic: 'TTx', body: Buffer.from('orphan-rollback') }, t);
    await sleep(1800);
    expect(checks).toBe(1);
    expect(got.items.length).toBe(0);
    expect(bed.broker.stats().topics.find((t) => t.name === 'TTx')?.halfMessages).toBe(0);
  });

  it('discards the half message after max unanswered checks', async () => {
    let checks = 0;
    const { producer, got } = await setup(async () => {
      checks++;
      return 0; // TRANSACTION_RESOLUTION_UNSPECIFIED: no answer
    }, { firstDelayMs: 300, intervalMs: 300, maxChecks: 3 });
    const t = producer.beginTransaction();
    await producer.send({ topic: 'TTx', body: Buffer.from('undecided') }, t);
    await sleep(1800);
    expect(checks).toBe(3);
    expect(bed.broker.stats().topics.find((t) => t.name === 'TTx')?.halfMessages).toBe(0);
    // a late commit is refused
    await expect(t.commit()).rejects.toThrow();
    expect(got.items.length).toBe(0);
  });
});
