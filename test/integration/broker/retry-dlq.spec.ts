import { afterEach, describe, expect, it } from '@jest/globals';
import { Collector, ConsumeResult, TestBed, deferred, receiveN, within } from './helpers.js';

describe('embedded broker: invisibility, retries and the dead-letter queue', () => {
  let bed: TestBed;
  afterEach(async () => {
    await bed?.close();
  });

  it('an unacked message comes back after its invisible time with delivery_attempt + 1', async () => {
    bed = await TestBed.start({ topics: { TRetry: 'NORMAL' } });
    const producer = await bed.producer();
    const c = await bed.simpleConsumer('g-r', { TRetry: '*' });
    await producer.send({ topic: 'TRetry', body: Buffer.from('r') });
    // Taken before the receive: the broker starts the invisible time when it pops, never earlier.
    const t0 = Date.now();
    const [first] = await receiveN(c, 1, { invisibleMs: 1000, ack: false });
    expect(first.deliveryAttempt).toBe(1);
    const [second] = await receiveN(c, 1, { invisibleMs: 1000, ack: false });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(second.messageId).toBe(first.messageId);
    expect(second.deliveryAttempt).toBe(2);
    expect(second.receiptHandle).not.toBe(first.receiptHandle);
    // the old handle is no longer valid
    const stale = await c.ack(first).then(
      () => undefined,
      (e: any) => e,
    );
    expect(stale?.code).toBe(40013);
    await c.ack(second);
  });

  it('change invisible duration gives a new handle and invalidates the old one', async () => {
    bed = await TestBed.start({ topics: { TRetry: 'NORMAL' } });
    const producer = await bed.producer();
    const c = await bed.simpleConsumer('g-r', { TRetry: '*' });
    await producer.send({ topic: 'TRetry', body: Buffer.from('r') });
    const [m] = await receiveN(c, 1, { invisibleMs: 1000, ack: false });
    const oldHandle = m.receiptHandle;
    await c.changeInvisibleDuration(m, 5000);
    expect(m.receiptHandle).not.toBe(oldHandle);
    // not redelivered after the original 1 s
    expect(await c.receive(1, 1000)).toEqual([]);
    await c.ack(m);
  });

  it('moves a message to %DLQ%<group> after max delivery attempts (push consumer nacks)', async () => {
    bed = await TestBed.start({ topics: { TDlq: 'NORMAL' }, maxDeliveryAttempts: 3 });
    const producer = await bed.producer();
    const attempts: number[] = [];
    const times: number[] = [];
    await bed.pushConsumer('g-fail', { TDlq: '*' }, (m) => {
      attempts.push(m.deliveryAttempt ?? 0);
      times.push(Date.now());
      return ConsumeResult.FAILURE;
    });
    const sent = await producer.send({ topic: 'TDlq', body: Buffer.from('poison') });
    const dlq = new Collector();
    await bed.pushConsumer('g-dlq-reader', { '%DLQ%g-fail': '*' }, (m) => (dlq.add(m), ConsumeResult.SUCCESS));
    await dlq.waitCount(1, 20_000);
    expect(attempts).toEqual([1, 2, 3]);
    // the nack honours the advertised exponential backoff (initial 100 ms, ×2)
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(90);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(190);
    expect(dlq.items[0].id).toBe(sent.messageId);
    expect(dlq.items[0].body).toBe('poison');
    const stats = bed.broker.stats();
    expect(stats.groups.find((g) => g.group === 'g-fail')?.dlq).toBe(1);
    expect(stats.topics.find((t) => t.name === '%DLQ%g-fail')).toBeDefined();
  });

  it('a simple consumer that never acks: after max attempts the message is dead-lettered', async () => {
    bed = await TestBed.start({ topics: { TDlq: 'NORMAL' }, maxDeliveryAttempts: 2 });
    const producer = await bed.producer();
    const c = await bed.simpleConsumer('g-never', { TDlq: '*' });
    await producer.send({ topic: 'TDlq', body: Buffer.from('x') });
    const first = await receiveN(c, 1, { invisibleMs: 1000, ack: false });
    const second = await receiveN(c, 1, { invisibleMs: 1000, ack: false });
    expect([first[0].deliveryAttempt, second[0].deliveryAttempt]).toEqual([1, 2]);
    const reader = await bed.simpleConsumer('g-dlq', { '%DLQ%g-never': '*' });
    const done = deferred<string>();
    (async () => {
      const got = await receiveN(reader, 1, { timeoutMs: 8000 });
      done.resolve(got[0]?.body.toString() ?? '');
    })().catch(done.reject);
    expect(await within(done.promise, 10_000, 'DLQ message')).toBe('x');
    expect(await c.receive(1, 1000)).toEqual([]);
  });
});
