import { afterEach, describe, expect, it } from '@jest/globals';
import { Collector, ConsumeResult, TestBed } from './helpers.js';
import { sleep } from '../../helpers/wait.js';

describe('embedded broker: delay messages and recall', () => {
  let bed: TestBed;
  afterEach(async () => {
    await bed?.close();
  });

  it('delivers delay messages never early, in the order they fall due; a past time is delivered', async () => {
    bed = await TestBed.start({ topics: { TDelay: 'DELAY' } });
    const producer = await bed.producer();
    const got = new Collector();
    await bed.pushConsumer('g-delay', { TDelay: '*' }, (m) => (got.add(m), ConsumeResult.SUCCESS));
    const due = new Map<string, number>();
    const delays = [300, 700, 1200, 1900, 2500];
    await Promise.all(
      delays.map(async (d, i) => {
        const at = Date.now() + d;
        await producer.send({ topic: 'TDelay', deliveryTimestamp: new Date(at), body: Buffer.from(`d${i}`) });
        due.set(`d${i}`, at);
      }),
    );
    // in the past → immediate
    await producer.send({ topic: 'TDelay', deliveryTimestamp: new Date(Date.now() - 1000), body: Buffer.from('past') });
    await got.waitCount(delays.length + 1, 10_000);
    for (const item of got.items) {
      if (item.body === 'past') continue;
      expect(item.at).toBeGreaterThanOrEqual(due.get(item.body)!); // never early
    }
    // One precise timer per earliest entry: sent all at once, they arrive in the order they fall due.
    expect(got.items.map((i) => i.body).filter((b) => b !== 'past')).toEqual(delays.map((_, i) => `d${i}`));
  });

  it('rejects a delivery time more than 24 h ahead', async () => {
    bed = await TestBed.start({ topics: { TDelay: 'DELAY' } });
    const producer = await bed.producer();
    const err = await producer
      .send({ topic: 'TDelay', deliveryTimestamp: new Date(Date.now() + 25 * 3600_000), body: Buffer.from('x') })
      .then(
        () => undefined,
        (e: any) => e,
      );
    expect(err?.code).toBe(40012);
  });

  it('RecallMessage before delivery cancels it; after delivery it fails', async () => {
    bed = await TestBed.start({ topics: { TDelay: 'DELAY', TNormal: 'NORMAL' } });
    const producer = await bed.producer();
    const got = new Collector();
    await bed.pushConsumer('g-delay', { TDelay: '*' }, (m) => (got.add(m), ConsumeResult.SUCCESS));
    const cancelled = await producer.send({ topic: 'TDelay', deliveryTimestamp: new Date(Date.now() + 1000), body: Buffer.from('cancel-me') });
    const kept = await producer.send({ topic: 'TDelay', deliveryTimestamp: new Date(Date.now() + 1000), body: Buffer.from('keep-me') });
    const receipt = await producer.recallMessage('TDelay', cancelled.recallHandle);
    expect(receipt.messageId).toBe(cancelled.messageId);
    await got.waitCount(1);
    await sleep(500);
    expect(got.bodies()).toEqual(['keep-me']);
    // too late now
    await expect(producer.recallMessage('TDelay', kept.recallHandle)).rejects.toThrow(/code: 50001/);
    // garbage handle / wrong topic type
    await expect(producer.recallMessage('TDelay', 'not-a-handle')).rejects.toThrow(/code: 50001/);
    await expect(producer.recallMessage('TNormal', cancelled.recallHandle)).rejects.toThrow(/code: 40014/);
  });
});
