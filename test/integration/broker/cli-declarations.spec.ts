import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { brokerDeclarations } from '../../../src/infra/mq/broker/cli-options.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/infra/mq/broker/index.js';
import { TOPIC_TYPES } from '../../../src/infra/mq/topics.js';
import { Producer, quietLogger, tempDir } from './helpers.js';

const REPO = join(import.meta.dirname, '..', '..', '..');

describe('embedded broker declarations (cli --topics, --fifo-groups, --config)', () => {
  it('adds typed topics and FIFO groups (a trailing * is a prefix) to the catalogue', () => {
    const files: Record<string, string> = { 'b.json': JSON.stringify({ topics: { FromFile: 'transaction' }, fifoGroups: ['cg-file', 'cg-p-*'], autoCreateTopics: false }) };
    const d = brokerDeclarations({ topics: 'A:FIFO,B:delay,C', 'fifo-groups': 'cg-x,cg-sub-*', config: 'b.json' }, (p) => files[p]);
    expect(d.topics).toMatchObject({ ...TOPIC_TYPES, A: 'FIFO', B: 'DELAY', C: 'NORMAL', FromFile: 'TRANSACTION' });
    expect(d.fifoGroups).toEqual(expect.arrayContaining(['cg-notify', 'cg-file', 'cg-x']));
    expect(d.fifoGroupPrefixes).toEqual(expect.arrayContaining(['cg-order-sub-', 'cg-p-', 'cg-sub-']));
    expect(d.autoCreateTopics).toBe(false);
    const bare = brokerDeclarations({ topics: 'Only:FIFO', 'default-catalogue': false });
    expect(bare).toEqual({ topics: { Only: 'FIFO' }, fifoGroups: [], fifoGroupPrefixes: [], autoCreateTopics: true });
  });

  it('rejects an unknown message type and a malformed file, naming them', () => {
    expect(() => brokerDeclarations({ topics: 'A:ORDERED' })).toThrow('unknown message type "ORDERED"');
    expect(() => brokerDeclarations({ config: 'x.json' }, () => '{nope')).toThrow('--config x.json');
    expect(() => brokerDeclarations({ config: 'x.json' }, () => '{"fifoGroups":"g"}')).toThrow('"fifoGroups" must be an array');
  });

  describe('through the client', () => {
    let child: ChildProcess | undefined;
    let broker: EmbeddedBroker | undefined;
    const producers: Producer[] = [];
    afterEach(async () => {
      await Promise.allSettled(producers.splice(0).map((p) => p.shutdown()));
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await broker?.close();
      child = broker = undefined;
    });

    async function producer(endpoints: string): Promise<Producer> {
      const p = new Producer({ endpoints, namespace: '', logger: quietLogger } as never);
      producers.push(p);
      await p.startup();
      return p;
    }

    it('the standalone broker serves a topic declared FIFO in a JSON file; a topic created on first use is NORMAL', async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'decl.json'), JSON.stringify({ topics: { DeclOrders: 'FIFO' } }));
      child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'src/infra/mq/broker/cli.ts', '--port', '0', '--admin-port', '0', '--data-dir', join(dir, 'data'), '--config', join(dir, 'decl.json'), '--no-default-catalogue'], {
        cwd: REPO,
        env: { ...process.env, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let endpoint: string | undefined;
      for await (const line of createInterface({ input: child.stdout! })) {
        if (line.includes('"broker ready"')) {
          endpoint = JSON.parse(line).endpoint;
          break;
        }
      }
      const p = await producer(endpoint!);
      await expect(p.send({ topic: 'DeclOrders', messageGroup: 'g1', body: Buffer.from('fifo') })).resolves.toHaveProperty('messageId');
      await expect(p.send({ topic: 'DeclOrders', body: Buffer.from('normal') })).rejects.toThrow();
      await expect(p.send({ topic: 'AutoMade', body: Buffer.from('normal') })).resolves.toHaveProperty('messageId');
      await expect(p.send({ topic: 'AutoMade', messageGroup: 'g1', body: Buffer.from('fifo') })).rejects.toThrow();
      // Not declared in this run: the TopicOrderStatus catalogue entry is gone with --no-default-catalogue.
      await expect(p.send({ topic: 'TopicOrderStatus', messageGroup: 'g1', body: Buffer.from('fifo') })).rejects.toThrow();
    });

    it('a topic declared FIFO in one run and not in the next comes back NORMAL, as RocketMQ creates it', async () => {
      const dataDir = tempDir();
      const logger = pino({ level: 'silent' });
      broker = await startEmbeddedBroker({ port: 0, dataDir, adminPort: null, logger, topics: { Was: 'FIFO' } });
      const first = await producer(broker.endpoint);
      await first.send({ topic: 'Was', messageGroup: 'g1', body: Buffer.from('kept') });
      await Promise.allSettled(producers.splice(0).map((p) => p.shutdown()));
      await broker.close();
      broker = await startEmbeddedBroker({ port: 0, dataDir, adminPort: null, logger, topics: {} });
      const again = await producer(broker.endpoint);
      await expect(again.send({ topic: 'Was', messageGroup: 'g1', body: Buffer.from('fifo') })).rejects.toThrow();
      await expect(again.send({ topic: 'Was', body: Buffer.from('normal') })).resolves.toHaveProperty('messageId');
    });
  });
});
