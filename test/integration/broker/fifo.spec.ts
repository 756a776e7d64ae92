import { afterEach, describe, expect, it } from '@jest/globals';
import { Collector, ConsumeResult, TestBed, receiveN } from './helpers.js';
import { sleep } from '../../helpers/wait.js';

describe('embedded broker: FIFO groups', () => {
  let bed: TestBed;
  afterEach(async () => {
    await bed?.close();
  });

  it('keeps send order per message group with a slow push consumer, one at a time, groups in parallel', async () => {
    bed = await TestBed.start({ topics: { TOrder: 'FIFO' }, fifoGroupPrefixes: ['cg-order-'] });
    const GROUPS = ['o-1', 'o-2', 'o-3', 'o-4'];
    const PER = 8;
    const inProgress = new Map<string, number>();
    let overlap = 0;
    const got = new Collector();
    await bed.pushConsumer('cg-order-1', { TOrder: '*' }, async (m) => {
      const g = m.messageGroup!;
      if (inProgress.get(g)) overlap++;
      inProgress.set(g, 1);
      await sleep(15); // slow consumer
      got.add(m);
      inProgress.set(g, 0);
      return ConsumeResult.SUCCESS;
    });
    const producer = await bed.producer();
    // every message group sends concurrently with the others, each in order
    await Promise.all(
      GROUPS.map(async (g) => {
        for (let i = 0; i < PER; i++) await producer.send({ topic: 'TOrder', messageGroup: g, body: Buffer.from(`${g}:${i}`) });
      }),
    );
    await got.waitCount(GROUPS.length * PER, 30_000);
    for (const g of GROUPS) {
      const seq = got.items.filter((i) => i.group === g).map((i) => Number(i.body.split(':')[1]));
      expect(seq).toEqual(Array.from({ length: PER }, (_, i) => i));
    }
    expect(overlap).toBe(0);
    expect(new Set(got.items.map((i) => i.id)).size).toBe(GROUPS.length * PER);
  });

  it('a message group waits for its unacked head; other groups go on; the head comes back after its invisible time', async () => {
    bed = await TestBed.start({ topics: { TOrder: 'FIFO' }, fifoGroups: ['cg-fifo'] });
    const producer = await bed.producer();
    const c = await bed.simpleConsumer('cg-fifo', { TOrder: '*' });
    await producer.send({ topic: 'TOrder', messageGroup: 'A', body: Buffer.from('A0') });
    await producer.send({ topic: 'TOrder', messageGroup: 'A', body: Buffer.from('A1') });
    await producer.send({ topic: 'TOrder', messageGroup: 'B', body: Buffer.from('B0') });
    const first = await c.receive(10, 1000);
    // one head per message group
    expect(first.map((m) => m.body.toString()).sort()).toEqual(['A0', 'B0']);
    const a0 = first.find((m) => m.body.toString() === 'A0')!;
    const b0 = first.find((m) => m.body.toString() === 'B0')!;
    await c.ack(b0);
    // A0 unacked: A1 is blocked; A0 comes back after 1 s with attempt 2
    const again = await receiveN(c, 1, { invisibleMs: 1000, ack: false });
    expect(again[0].body.toString()).toBe('A0');
    expect(again[0].deliveryAttempt).toBe(2);
    expect(again[0].messageId).toBe(a0.messageId);
    await c.ack(again[0]);
    const next = await receiveN(c, 1);
    expect(next[0].body.toString()).toBe('A1');
  });

  it('a non-FIFO group gets FIFO-topic messages without blocking', async () => {
    bed = await TestBed.start({ topics: { TOrder: 'FIFO' }, fifoGroups: [] });
    const producer = await bed.producer();
    const c = await bed.simpleConsumer('g-plain', { TOrder: '*' });
    for (let i = 0; i < 3; i++) await producer.send({ topic: 'TOrder', messageGroup: 'A', body: Buffer.from(`A${i}`) });
    const got = await c.receive(10, 10_000);
    expect(got.length).toBe(3);
  });
});

describe('embedded broker: FIFO dead-lettering', () => {
  let bed: TestBed;
  afterEach(async () => {
    await bed?.close();
  });

  it('a FIFO push consumer retries locally, then forwards to the DLQ, and the message group moves on', async () => {
    bed = await TestBed.start({ topics: { TOrder: 'FIFO' }, fifoGroups: ['cg-fifo-dlq'], maxDeliveryAttempts: 3 });
    const producer = await bed.producer();
    const seen: string[] = [];
    const got = new Collector();
    await bed.pushConsumer('cg-fifo-dlq', { TOrder: '*' }, (m) => {
      const body = m.body.toString();
      seen.push(body);
      if (body === 'A0') return ConsumeResult.FAILURE;
      got.add(m);
      return ConsumeResult.SUCCESS;
    });
    await producer.send({ topic: 'TOrder', messageGroup: 'A', body: Buffer.from('A0') });
    await producer.send({ topic: 'TOrder', messageGroup: 'A', body: Buffer.from('A1') });
    await got.waitCount(1, 20_000);
    expect(got.bodies()).toEqual(['A1']);
    expect(seen.filter((b) => b === 'A0').length).toBe(3);
    expect(seen.indexOf('A1')).toBeGreaterThan(seen.lastIndexOf('A0'));
    const dlq = await bed.simpleConsumer('g-read-dlq', { '%DLQ%cg-fifo-dlq': '*' });
    const dead = await receiveN(dlq, 1);
    expect(dead[0].body.toString()).toBe('A0');
  });
});
