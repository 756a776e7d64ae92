import { afterEach, describe, expect, it } from '@jest/globals';
import { Collector, ConsumeResult, TestBed, receiveN } from './helpers.js';
import { waitFor, sleep } from '../../helpers/wait.js';

describe('embedded broker: consumer groups', () => {
  let bed: TestBed;
  afterEach(async () => {
    await bed?.close();
  });

  it('two push consumers of one group share the work without duplicates', async () => {
    bed = await TestBed.start({ topics: { TShare: 'NORMAL' } });
    const producer = await bed.producer();
    const all = new Collector();
    const a = new Collector();
    const b = new Collector();
    await bed.pushConsumer('g-share', { TShare: '*' }, async (m) => {
      a.add(m);
      all.add(m);
      await sleep(5);
      return ConsumeResult.SUCCESS;
    });
    await bed.pushConsumer('g-share', { TShare: '*' }, async (m) => {
      b.add(m);
      all.add(m);
      await sleep(5);
      return ConsumeResult.SUCCESS;
    });
    const N = 200;
    await Promise.all(Array.from({ length: N }, (_, i) => producer.send({ topic: 'TShare', body: Buffer.from(`m-${i}`) })));
    await all.waitCount(N);
    await sleep(300); // a duplicate would show up now
    const ids = all.items.map((i) => i.id);
    expect(new Set(ids).size).toBe(N);
    expect(ids.length).toBe(N);
    expect(a.items.length).toBeGreaterThan(0);
    expect(b.items.length).toBeGreaterThan(0);
  });

  it('two simple consumers of one group share the work without duplicates', async () => {
    bed = await TestBed.start({ topics: { TShare: 'NORMAL' } });
    const producer = await bed.producer();
    const c1 = await bed.simpleConsumer('g-s', { TShare: '*' });
    const c2 = await bed.simpleConsumer('g-s', { TShare: '*' });
    const N = 60;
    for (let i = 0; i < N; i++) await producer.send({ topic: 'TShare', body: Buffer.from(`m-${i}`) });
    const seen: string[] = [];
    const counts = [0, 0];
    const worker = async (c: typeof c1, idx: number) => {
      for (let round = 0; round < 40 && seen.length < N; round++) {
        const got = await c.receive(5, 10_000);
        for (const m of got) {
          seen.push(m.messageId);
          counts[idx]++;
          await c.ack(m);
        }
      }
    };
    await Promise.all([worker(c1, 0), worker(c2, 1)]);
    expect(seen.length).toBe(N);
    expect(new Set(seen).size).toBe(N);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
  });

  it('two groups each get every message, and a group that connects after the send still gets it', async () => {
    bed = await TestBed.start({ topics: { TFan: 'NORMAL' }, adminPort: 0 });
    const producer = await bed.producer();
    await producer.send({ topic: 'TFan', body: Buffer.from('early') }); // before any group exists
    const g1 = new Collector();
    const g2 = new Collector();
    await bed.pushConsumer('g-one', { TFan: '*' }, (m) => (g1.add(m), ConsumeResult.SUCCESS));
    const simple = await bed.simpleConsumer('g-two', { TFan: '*' });
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'TFan', body: Buffer.from(`m-${i}`) });
    await g1.waitCount(11);
    const got2 = await receiveN(simple, 11);
    const expected = ['early', ...Array.from({ length: 10 }, (_, i) => `m-${i}`)].sort();
    expect(g1.bodies().sort()).toEqual(expected);
    expect(got2.map((m) => m.body.toString()).sort()).toEqual(expected);

    // admin view
    const stats = bed.broker.stats();
    const topic = stats.topics.find((t) => t.name === 'TFan');
    expect(topic?.type).toBe('NORMAL');
    expect(topic?.sent).toBe(11);
    await waitFor(() => (bed.broker.stats().groups.find((g) => g.group === 'g-one')?.inflight ?? 1) === 0, { timeoutMs: 5000, what: 'acks' });
    const res = await fetch(`${bed.broker.adminUrl}/admin/stats`);
    expect(res.status).toBe(200);
    const json = (await res.json()) as any;
    const groups = json.groups.filter((g: any) => g.topic === 'TFan').map((g: any) => [g.group, g.backlog]);
    expect(groups.sort()).toEqual([
      ['g-one', 0],
      ['g-two', 0],
    ]);
  });

  it('tag filters: "*", "a||b", and a single tag', async () => {
    bed = await TestBed.start({ topics: { TTag: 'NORMAL' } });
    const producer = await bed.producer();
    const ab = new Collector();
    await bed.pushConsumer('g-ab', { TTag: 'a||b' }, (m) => (ab.add(m), ConsumeResult.SUCCESS));
    const onlyC = await bed.simpleConsumer('g-c', { TTag: 'c' });
    const star = await bed.simpleConsumer('g-star', { TTag: '*' });
    for (const tag of ['a', 'b', 'c', 'd', 'a']) await producer.send({ topic: 'TTag', tag, body: Buffer.from(tag) });
    await producer.send({ topic: 'TTag', body: Buffer.from('untagged') });
    await ab.waitCount(3);
    expect(ab.bodies().sort()).toEqual(['a', 'a', 'b']);
    const c = await receiveN(onlyC, 1);
    expect(c.map((m) => m.tag)).toEqual(['c']);
    expect(await onlyC.receive(10, 10_000)).toEqual([]);
    const s = await receiveN(star, 6);
    expect(s.map((m) => m.body.toString()).sort()).toEqual(['a', 'a', 'b', 'c', 'd', 'untagged']);
    await sleep(200);
    expect(ab.items.length).toBe(3);
  });
});
