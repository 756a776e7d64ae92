import { afterEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/infra/mq/broker/index.js';
import { newProducer, newSimpleConsumer, receiveN, tempDir } from './helpers.js';
import { sleep } from '../../helpers/wait.js';

/** In-process restarts: torn log tail, compaction, retention. */
describe('embedded broker: store', () => {
  const toClose: { shutdown?: () => Promise<unknown>; close?: () => Promise<void> }[] = [];
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await (c.shutdown?.() ?? c.close?.())?.catch?.(() => {});
  });

  const start = (dataDir: string, extra: object = {}) =>
    startEmbeddedBroker({ port: 0, dataDir, adminPort: null, logger: pino({ level: 'silent' }), topics: { TS: 'NORMAL' }, retentionMs: 0, minLongPollingTimeoutMs: 1000, ...extra });

  it('restarts on the same data dir after a torn write, keeping every complete record, and compacts the log', async () => {
    const dir = tempDir();
    let broker: EmbeddedBroker = await start(dir);
    const producer = newProducer(broker.endpoint);
    await producer.startup();
    for (let i = 0; i < 30; i++) await producer.send({ topic: 'TS', body: Buffer.from(`m-${i}`) });
    const c = newSimpleConsumer(broker.endpoint, 'g-store', { TS: '*' });
    await c.startup();
    await receiveN(c, 20); // acked
    await c.shutdown();
    await producer.shutdown();
    await sleep(200);
    await broker.close();
    const log = path.join(dir, 'broker.log');
    const before = statSync(log).size;
    appendFileSync(log, Buffer.from([200, 0, 0, 0, 77, 1, 2])); // half-written record

    broker = await start(dir, { minInvisibleDurationMs: 1000 });
    toClose.push(broker);
    expect(statSync(log).size).toBeLessThan(before / 2); // compacted: the 20 messages every group acked are gone
    const c2 = newSimpleConsumer(broker.endpoint, 'g-store', { TS: '*' });
    toClose.push(c2);
    await c2.startup();
    const rest = await receiveN(c2, 10);
    expect(rest.map((m) => m.body.toString()).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m-${20 + i}`).sort());
    expect(await c2.receive(5, 1000)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.compact'))).toEqual([]);
  });

  it('compacts the log while running once it grows past the threshold', async () => {
    const dir = tempDir();
    const broker = await start(dir, { compactThresholdBytes: 64 * 1024, minInvisibleDurationMs: 1000 });
    toClose.push(broker);
    const producer = newProducer(broker.endpoint);
    toClose.push(producer);
    await producer.startup();
    const c = newSimpleConsumer(broker.endpoint, 'g-compact', { TS: '*' });
    toClose.push(c);
    await c.startup();
    const body = Buffer.alloc(1024, 'y');
    for (let i = 0; i < 100; i++) await producer.send({ topic: 'TS', body });
    await receiveN(c, 100);
    await sleep(1300); // retention 0: the sweep drops what every group acked
    // keep appending small messages: once the log has doubled since the last compaction it is
    // rewritten with only the live (unacked) ones
    let sent = 0;
    while (broker.stats().logBytes >= 16 * 1024 && sent < 400) {
      await producer.send({ topic: 'TS', body: Buffer.from(`small-${sent++}`) });
      await sleep(1);
    }
    expect(broker.stats().logBytes).toBeLessThan(16 * 1024);
    expect(statSync(path.join(dir, 'broker.log')).size).toBeLessThan(16 * 1024);
    const rest = await receiveN(c, sent);
    expect(rest.length).toBe(sent);
  });

  it('keeps delivery attempts across a restart', async () => {
    const dir = tempDir();
    let broker = await start(dir, { minInvisibleDurationMs: 1000, retentionMs: 60_000 });
    const producer = newProducer(broker.endpoint);
    await producer.startup();
    await producer.send({ topic: 'TS', body: Buffer.from('flaky') });
    const consumerFor = async (endpoint: string) => {
      const c = newSimpleConsumer(endpoint, 'g-attempts', { TS: '*' }, 1500);
      await c.startup();
      return c;
    };
    const c = await consumerFor(broker.endpoint);
    const first = await receiveN(c, 1, { invisibleMs: 1000, ack: false });
    expect(first[0].deliveryAttempt).toBe(1);
    const second = await receiveN(c, 1, { invisibleMs: 60_000, ack: false }); // attempt 2 was persisted when #1 expired
    expect(second[0].deliveryAttempt).toBe(2);
    await c.shutdown();
    await producer.shutdown();
    await sleep(200);
    await broker.close();

    broker = await start(dir, { minInvisibleDurationMs: 1000 });
    toClose.push(broker);
    const c2 = await consumerFor(broker.endpoint);
    toClose.push(c2);
    const again = await receiveN(c2, 1);
    expect(again[0].body.toString()).toBe('flaky');
    expect(again[0].deliveryAttempt).toBe(2);
  });
});
