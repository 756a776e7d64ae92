/**
 * Two API (ROLE=api) and two worker (ROLE=worker) processes of the real entry point (src/main.ts)
 * on one RocketMQ, one MySQL database and one Redis, like pods of one deployment. On Apache
 * RocketMQ under npm run test:rocketmq; else on a standalone embedded broker (cli.ts), so the
 * suite also guards the embedded broker's multi-client behaviour.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { gql, operation } from '../helpers/graphql-client.js';
import { provisionInstanceGroups, REAL_ROCKETMQ_ENDPOINTS } from '../helpers/real-rocketmq.js';
import { clearRedisNamespace } from '../helpers/test-app.js';
import { adminToken, login } from '../helpers/actors.js';
import { countRows, freshTestDatabase, queryRows, TEST_NAMESPACE } from '../helpers/test-db.js';
import { eventually, sleep } from '../helpers/wait.js';
import { freePort } from '../../src/tools/ports.js';

const REPO = join(import.meta.dirname, '..', '..');
const DATABASE = 'multi_process';
const ops = {
  store: operation('store'),
  updateStore: operation('update-store'),
  placeOrder: operation('place-order'),
  simulatePayment: operation('simulate-payment'),
  orderStatusChanged: operation('order-status-changed'),
};

interface Proc {
  name: string;
  child: ChildProcess;
  url?: string;
}

describe('two API and two worker processes on one broker', () => {
  const procs: Proc[] = [];
  const clients: Client[] = [];
  let endpoints: string;
  let embedded: Proc | undefined;
  let databaseUrl: string;
  /** Local mode with split roles: the first API hosts the WeChat simulator, every other process joins it. */
  let simulatorPort: number;
  let dataDir: string;

  /** The compiled entry point under test:rocketmq (TEST_USE_DIST=1 after `npm run build`): four
   * processes transpiling the sources at start-up crowd a small machine. */
  function script(source: string): string[] {
    return process.env.TEST_USE_DIST === '1' ? [join(REPO, 'dist', source.replace(/\.ts$/, '.js'))] : ['--import', '@swc-node/register/esm-register', source];
  }

  async function startProcess(name: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<Proc> {
    const child = spawn(process.execPath, [...script(args[0]), ...args.slice(1)], {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const proc: Proc = { name, child };
    const lines = createInterface({ input: child.stdout! });
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`${name} exited with ${code} before it was ready`);
    });
    const found = (async () => {
      for await (const line of lines) {
        const m = ready.exec(line);
        if (m) return m[1];
      }
      throw new Error(`${name}: output ended before it was ready`);
    })();
    proc.url = await Promise.race([found, exited]);
    child.stdout!.resume();
    return proc;
  }

  async function startBff(role: 'api' | 'worker', id: string): Promise<Proc> {
    if (REAL_ROCKETMQ_ENDPOINTS && role === 'api') provisionInstanceGroups(id);
    const p = await startProcess(
      id,
      ['src/main.ts'],
      {
        ROLE: role,
        INSTANCE_ID: id,
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        REDIS_KEY_PREFIX: `${TEST_NAMESPACE}${DATABASE}:`,
        ROCKETMQ_ENDPOINTS: endpoints,
        SEED_DEMO_DATA: 'true',
        MQ_LONG_POLLING_TIMEOUT: '5s',
        ...(id === 'mp-api-1' ? { WECHAT_SIMULATOR_PORT: String(simulatorPort) } : { WECHAT_SIMULATOR_URL: `http://127.0.0.1:${simulatorPort}` }),
      },
      role === 'api' ? /GraphQL\s+POST (http:\/\/\S+)\/graphql/ : /wxshop-bff is (up)/,
    );
    procs.push(p);
    return p;
  }

  beforeAll(async () => {
    databaseUrl = await freshTestDatabase(DATABASE);
    // A fresh database needs fresh idempotency keys: an earlier run's would mark its users' coupons done.
    await clearRedisNamespace(`${TEST_NAMESPACE}${DATABASE}:`);
    dataDir = mkdtempSync(join(tmpdir(), 'wxshop-multi-'));
    if (REAL_ROCKETMQ_ENDPOINTS) {
      endpoints = REAL_ROCKETMQ_ENDPOINTS;
    } else {
      embedded = await startProcess('broker', ['src/infra/mq/broker/cli.ts', '--port', '0', '--admin-port', '0', '--data-dir', join(dataDir, 'broker')], {}, /"endpoint":"([^"]+)"/);
      endpoints = embedded.url!;
    }
    simulatorPort = await freePort();
    // One at a time: the first migrates and seeds the database.
    await startBff('api', 'mp-api-1');
    await startBff('api', 'mp-api-2');
    await startBff('worker', 'mp-worker-1');
    await startBff('worker', 'mp-worker-2');
  }, 240_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.dispose()));
    await Promise.allSettled(
      [...procs, ...(embedded ? [embedded] : [])].map(async (p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        p.child.kill('SIGTERM');
        await once(p.child, 'exit');
      }),
    );
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (n: 1 | 2) => procs.find((p) => p.name === `mp-api-${n}`)!.url!;
  const count = (sql: string, params: unknown[]) => countRows(databaseUrl, sql, params);
  const customer = () => login({ url: api(1) }, `mp-${randomUUID()}`);

  async function order(c: { token: string }, sku: { id: number; storeId: number }): Promise<string> {
    const r = await gql(api(1), ops.placeOrder, { input: { clientRequestId: `req-${randomUUID()}`, storeId: String(sku.storeId), items: [{ skuId: String(sku.id), quantity: 1 }] } }, c.token);
    if (!r.data) throw new Error(`placeOrder failed: ${JSON.stringify(r.errors)}`);
    return r.data.placeOrder.orderNo;
  }

  async function pay(c: { token: string }, orderNo: string): Promise<void> {
    const r = await gql(api(1), ops.simulatePayment, { orderNo }, c.token);
    if (r.errors) throw new Error(`simulatePayment failed: ${JSON.stringify(r.errors)}`);
  }

  async function anySku(): Promise<{ id: number; storeId: number }> {
    const [row] = await queryRows<{ id: number; storeId: number }>(databaseUrl, 'select s.id as id, p.store_id as storeId from sku s join product p on p.id = s.product_id where s.stock >= 50 order by s.id limit 1', []);
    return { id: Number(row.id), storeId: Number(row.storeId) };
  }

  /** Every effect of one paid order, from the rows the workers write. */
  async function effects(orderNo: string) {
    return {
      payments: await count('select count(*) as n from payment where order_no = ?', [orderNo]),
      points: await count('select count(*) as n from points_ledger where order_no = ?', [orderNo]),
      shipments: await count('select count(*) as n from shipment where order_no = ?', [orderNo]),
      status: (await queryRows<{ status: string }>(databaseUrl, 'select status from orders where order_no = ?', [orderNo]))[0]?.status,
    };
  }
  const ALL_ONCE = { payments: 1, points: 1, shipments: 1, status: 'SHIPPED' };

  it('a store update through one API reaches the L1 cache of both', async () => {
    const token = await adminToken({ url: api(1) });
    const before = await Promise.all([api(1), api(2)].map((u) => gql(u, ops.store, { id: '1' })));
    for (const r of before) expect(r.data.store.id).toBe('1');
    const name = `Renamed ${randomUUID().slice(0, 6)}`;
    const updated = await gql(api(1), ops.updateStore, { id: '1', input: { name } }, token);
    expect(updated.errors).toBeUndefined();
    for (const url of [api(1), api(2)]) {
      await eventually(async () => (await gql(url, ops.store, { id: '1' })).data.store.name === name, { what: `store name on ${url}`, timeoutMs: 30_000 });
    }
  }, 60_000);

  it("an order's status events reach a subscriber on the other API in order; each consumer effect happens once", async () => {
    const alice = await customer();
    const sku = await anySku();
    const orderNo = await order(alice, sku);
    const ws = createClient({ url: `${api(2).replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${alice.token}` }, retryAttempts: 0, lazy: true });
    clients.push(ws);
    const events: { event: string; seq: number }[] = [];
    let subscribed = false;
    ws.on('connected', () => (subscribed = true));
    ws.subscribe({ query: ops.orderStatusChanged, variables: { orderNo } }, { next: (v) => void events.push((v.data as any).orderStatusChanged), error: () => undefined, complete: () => undefined });
    await eventually(() => subscribed, { what: 'subscription on API 2' });
    await pay(alice, orderNo);
    await eventually(async () => (await effects(orderNo)).status === 'SHIPPED' && events.length >= 2, { what: 'paid and shipped', timeoutMs: 60_000 });
    expect(events.map((e) => e.event)).toEqual(['PAID', 'SHIPPED']);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    await eventually(async () => (await count("select count(*) as n from user_coupon where user_id = ? and source = 'NEW_USER'", [alice.userId])) >= 1, { what: 'new-user coupon' });
    // Time for a second worker of a group to apply anything twice, then count again.
    await sleep(2_000);
    expect(await effects(orderNo)).toEqual(ALL_ONCE);
    expect(await count("select count(*) as n from user_coupon where user_id = ? and source = 'NEW_USER'", [alice.userId])).toBe(1);
    expect(await count('select count(*) as n from analytics_order_fact where order_no = ?', [orderNo])).toBe(3);
  }, 120_000);

  it('a worker killed with SIGKILL in the middle of a fan-out loses nothing and doubles nothing', async () => {
    const sku = await anySku();
    const orders: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await customer();
      const orderNo = await order(c, sku);
      orders.push(orderNo);
      await pay(c, orderNo);
    }
    // Some effects are applied, not all: kill one of the two workers now.
    await eventually(async () => (await count(`select count(*) as n from points_ledger where order_no in (${orders.map(() => '?').join(',')})`, orders)) >= 1, { what: 'the fan-out to start', intervalMs: 5 });
    const victim = procs.find((p) => p.name === 'mp-worker-1')!;
    victim.child.kill('SIGKILL');
    await once(victim.child, 'exit');
    await eventually(async () => (await Promise.all(orders.map(effects))).every((e) => e.status === 'SHIPPED' && e.points === 1 && e.shipments === 1), { what: 'every effect of every order', timeoutMs: 120_000, intervalMs: 200 });
    await sleep(2_000);
    for (const orderNo of orders) expect(await effects(orderNo)).toEqual(ALL_ONCE);
  }, 200_000);
});
