import { randomUUID } from 'node:crypto';
import { gql, operation } from '../../helpers/graphql-client.js';
import type { TestApp } from '../../helpers/test-app.js';
import { queryRow, queryRows } from '../../helpers/test-db.js';
import { sleep } from '../../helpers/wait.js';
import type { SeckillService } from '../../../src/modules/seckill/seckill.service.js';

export const ops = {
  createActivity: operation('create-seckill-activity'),
  activities: operation('seckill-activities'),
  activity: operation('seckill-activity'),
  seckill: operation('seckill'),
  result: operation('seckill-result'),
  resultChanged: operation('seckill-result-changed'),
  reconcile: operation('reconcile-seckill'),
  cancelOrder: operation('cancel-order'),
  order: operation('order'),
  simulatePayment: operation('simulate-payment'),
};

export function seckillService(app: TestApp): SeckillService {
  return app.services.seckill as SeckillService;
}

export interface ActivityArgs {
  skuId: number;
  stock: number;
  priceFen?: number;
  startsInMs?: number;
  endsInMs?: number;
  limitPerUser?: number;
}

export async function createActivity(app: TestApp, admin: string, args: ActivityArgs): Promise<{ id: string; [k: string]: unknown }> {
  const now = Date.now();
  const r = await gql(
    app.url,
    ops.createActivity,
    {
      input: {
        skuId: String(args.skuId),
        stock: args.stock,
        priceFen: args.priceFen ?? 990,
        startsAt: new Date(now + (args.startsInMs ?? -1_000)).toISOString(),
        endsAt: new Date(now + (args.endsInMs ?? 3_600_000)).toISOString(),
        limitPerUser: args.limitPerUser ?? 1,
      },
    },
    admin,
  );
  if (!r.data) throw new Error(`createSeckillActivity failed: ${JSON.stringify(r.errors)}`);
  return r.data.createSeckillActivity;
}

export async function stats(app: TestApp, admin: string, id: string): Promise<Record<string, any>> {
  const r = await gql(app.url, ops.activity, { id }, admin);
  if (!r.data?.seckillActivity) throw new Error(`seckillActivity failed: ${JSON.stringify(r.errors)}`);
  return r.data.seckillActivity.stats;
}

/** One `seckill` call, as sent. */
export function attemptOnce(app: TestApp, token: string, activityId: string, clientRequestId = `sk-${randomUUID()}`) {
  return gql(app.url, ops.seckill, { activityId, clientRequestId }, token);
}

/**
 * A `seckill` call as the mini-program makes it: a retryable refusal (HTTP 503, e.g. a Redis
 * command timing out on a loaded machine) is sent again with the same clientRequestId.
 */
export async function attempt(app: TestApp, token: string, activityId: string, clientRequestId = `sk-${randomUUID()}`) {
  for (let i = 1; ; i++) {
    // A connection reset (a keep-alive socket the loaded server closed) is resent too: same clientRequestId, same attempt.
    const r = await attemptOnce(app, token, activityId, clientRequestId).catch((err: Error) => {
      if (i >= 5) throw err;
      return { status: 503 } as Awaited<ReturnType<typeof attemptOnce>>;
    });
    if (r.status !== 503 || i >= 5) return r;
    await sleep(100 * i);
  }
}

export async function seckillOrders(app: TestApp, activityId: string): Promise<{ attempt_id: string; user_id: number; order_no: string | null; status: string }[]> {
  return queryRows(app, 'select attempt_id, user_id, order_no, status from seckill_order where activity_id = ? order by id', [Number(activityId)]);
}

export async function activityRow(app: TestApp, activityId: string): Promise<Record<string, any>> {
  return (await queryRow(app, 'select * from seckill_activity where id = ?', [Number(activityId)]))!;
}

/** Shuffles in place (Fisher-Yates) so one user's attempts interleave with everyone's. */
export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
