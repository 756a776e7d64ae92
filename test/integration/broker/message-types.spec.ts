import { afterEach, describe, expect, it } from '@jest/globals';
import { COMMIT, Collector, ConsumeResult, TestBed, receiveN } from './helpers.js';

const TOPICS = { TNormal: 'NORMAL', TFifo: 'FIFO', TDelay: 'DELAY', TTx: 'TRANSACTION' } as const;

describe('embedded broker: message types end to end', () => {
  let bed: TestBed;
  afterEach(async () => {
    await bed?.close();
  });

  it('NORMAL with SimpleConsumer and PushConsumer', async () => {
    bed = await TestBed.start({ topics: { ...TOPICS } });
    const producer = await bed.producer();
    const simple = await bed.simpleConsumer('g-simple', { TNormal: '*' });
    const got = new Collector();
    await bed.pushConsumer('g-push', { TNormal: '*' }, (m) => {
      got.add(m);
      return ConsumeResult.SUCCESS;
    });
    const r = await producer.send({ topic: 'TNormal', tag: 't1', keys: ['k1'], body: Buffer.from('n-1'), properties: new Map([['p', 'v']]) });
    expect(typeof r.messageId).toBe('string');
    const msgs = await receiveN(simple, 1);
    expect(msgs.map((m) => m.body.toString())).toEqual(['n-1']);
    expect(msgs[0].tag).toBe('t1');
    expect(msgs[0].keys).toEqual(['k1']);
    expect(msgs[0].properties.get('p')).toBe('v');
    expect(msgs[0].deliveryAttempt).toBe(1);
    expect(msgs[0].messageId).toBe(r.messageId);
    await got.waitCount(1);
    expect(got.bodies()).toEqual(['n-1']);
  });

  it('FIFO with SimpleConsumer and PushConsumer', async () => {
    bed = await TestBed.start({ topics: { ...TOPICS }, fifoGroups: ['g-fifo-push', 'g-fifo-simple'] });
    const producer = await bed.producer();
    const simple = await bed.simpleConsumer('g-fifo-simple', { TFifo: '*' });
    const got = new Collector();
    await bed.pushConsumer('g-fifo-push', { TFifo: '*' }, (m) => {
      got.add(m);
      return ConsumeResult.SUCCESS;
    });
    for (let i = 0; i < 3; i++) await producer.send({ topic: 'TFifo', messageGroup: 'order-1', body: Buffer.from(`f-${i}`) });
    const msgs = await receiveN(simple, 3);
    expect(msgs.map((m) => m.body.toString())).toEqual(['f-0', 'f-1', 'f-2']);
    expect(msgs[0].messageGroup).toBe('order-1');
    expect(msgs[0].properties.get('__SHARDINGKEY')).toBe('order-1');
    await got.waitCount(3);
    expect(got.bodies()).toEqual(['f-0', 'f-1', 'f-2']);
  });

  it('DELAY with SimpleConsumer and PushConsumer', async () => {
    bed = await TestBed.start({ topics: { ...TOPICS } });
    const producer = await bed.producer();
    const simple = await bed.simpleConsumer('g-simple', { TDelay: '*' });
    const got = new Collector();
    await bed.pushConsumer('g-push', { TDelay: '*' }, (m) => {
      got.add(m);
      return ConsumeResult.SUCCESS;
    });
    const at = Date.now() + 1500;
    const r = await producer.send({ topic: 'TDelay', deliveryTimestamp: new Date(at), body: Buffer.from('d-1') });
    expect(r.recallHandle).toBeTruthy();
    const msgs = await receiveN(simple, 1);
    expect(Date.now()).toBeGreaterThanOrEqual(at - 5);
    expect(msgs[0].body.toString()).toBe('d-1');
    expect(msgs[0].deliveryTimestamp?.getTime()).toBeGreaterThan(0);
    await got.waitCount(1);
    expect(got.items[0].at).toBeGreaterThanOrEqual(at - 5);
  });

  it('TRANSACTION with SimpleConsumer and PushConsumer', async () => {
    bed = await TestBed.start({ topics: { ...TOPICS }, transactionCheck: { firstDelayMs: 20_000, intervalMs: 20_000, maxChecks: 1 } });
    const producer = await bed.producer({ topics: ['TTx'], checker: { check: async () => COMMIT } });
    const simple = await bed.simpleConsumer('g-simple', { TTx: '*' });
    const got = new Collector();
    await bed.pushConsumer('g-push', { TTx: '*' }, (m) => {
      got.add(m);
      return ConsumeResult.SUCCESS;
    });
    const tx = producer.beginTransaction();
    await producer.send({ topic: 'TTx', body: Buffer.from('tx-1') }, tx);
    expect(await simple.receive(1, 10_000)).toEqual([]); // half message: invisible
    await tx.commit();
    const msgs = await receiveN(simple, 1);
    expect(msgs[0].body.toString()).toBe('tx-1');
    expect(msgs[0].properties.get('__transactionId__')).toBe(msgs[0].messageId);
    await got.waitCount(1);
  });

  it('rejects a send whose type does not match the topic (MESSAGE_PROPERTY_CONFLICT_WITH_TYPE)', async () => {
    bed = await TestBed.start({ topics: { ...TOPICS } });
    const producer = await bed.producer();
    // the client validates the route's accept list itself; defeat that to reach the server check
    (producer as any).publishingSettings.isValidateMessageType = () => false;
    const err = await producer.send({ topic: 'TFifo', body: Buffer.from('x') }).then(
      () => undefined,
      (e: any) => e,
    );
    expect(err).toBeDefined();
    expect(err.code).toBe(40014);
    const err2 = await producer.send({ topic: 'TNormal', messageGroup: 'g', body: Buffer.from('x') }).then(
      () => undefined,
      (e: any) => e,
    );
    expect(err2?.code).toBe(40014);
  });
});
