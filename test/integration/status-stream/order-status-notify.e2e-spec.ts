import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { WechatSimulator } from '../../../src/infra/wechat/simulator/index.js';
import type { MiniProgramApi, SubscribeMessage } from '../../../src/infra/wechat/mini-program.port.js';
import { WechatSubscribeRefusedError, WechatUnavailableError } from '../../../src/infra/wechat/wechat.errors.js';
import type { AuthService } from '../../../src/modules/auth/auth.service.js';
import { NotifyService } from '../../../src/modules/notify/notify.service.js';
import { DEFAULT_NOTIFY_TEMPLATE_IDS as T } from '../../../src/modules/notify/notify.templates.js';
import { OrderNotificationFactory } from '../../../src/modules/notify/order-notification.js';
import { gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows } from '../../helpers/test-db.js';
import { eventually, sleep } from '../../helpers/wait.js';
import { newSku, ops, placeOrder, publishStatus, statusEvent, type PlacedOrder } from './helpers.js';
import { login, type Customer } from '../../helpers/actors.js';

interface LogRow {
  seq: number;
  event: string;
  kind: string;
  status: string;
  attempts: number;
  template_id: string;
}

describe('order-status notifications (cg-notify → WeChat subscribe messages)', () => {
  let app: TestApp;
  let sim: WechatSimulator;
  let alice: Customer;
  let sku: number;

  beforeAll(async () => {
    app = await startTestApp({ database: 'status_stream_notify' });
    sim = app.externals.simulator!;
    alice = await login(app);
    sku = await newSku(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  const sentFor = (order: PlacedOrder) => sim.sentSubscribeMessages().filter((m) => m.page?.endsWith(`orderNo=${order.orderNo}`));
  const logRows = async (order: PlacedOrder) =>
    (await queryRows<LogRow>(app.databaseUrl, 'select seq, event, kind, status, attempts, template_id from notification_log where order_no = ? order by seq', [order.orderNo])).map((r) => ({
      ...r,
      seq: Number(r.seq),
      attempts: Number(r.attempts),
    }));

  it('sends one message per transition, in order, even when WeChat fails once and events are redelivered', async () => {
    const order = await placeOrder(app, alice, sku, 3);
    // The order module's CREATED becomes the wait-pay message.
    await eventually(() => sentFor(order).length === 1, { what: 'wait-pay message' });

    // WeChat answers the next call with HTTP 500: the PAID message is retried by the runner while
    // its FIFO group holds SHIPPED and COMPLETED back.
    sim.failNext('miniProgram', 1, 'http500');
    await publishStatus(app, statusEvent(order, alice.userId, 'PAID', 2));
    await publishStatus(app, statusEvent(order, alice.userId, 'SHIPPED', 3));
    await publishStatus(app, statusEvent(order, alice.userId, 'COMPLETED', 4));
    // Redeliveries: the same events again (a republish is what a redelivery looks like to a consumer).
    await publishStatus(app, statusEvent(order, alice.userId, 'CREATED', 1));
    await publishStatus(app, statusEvent(order, alice.userId, 'PAID', 2));

    await eventually(async () => (await logRows(order)).filter((r) => r.status === 'SENT').length === 4, { what: 'four notifications sent', timeoutMs: 30_000 });
    // A redelivery the Redis guard no longer remembers (key expired or Redis lost it): the
    // notification_log row alone stops it.
    await app.redis.del(`idem:notify-order-status:${order.orderNo}:3`);
    await publishStatus(app, statusEvent(order, alice.userId, 'SHIPPED', 3));
    await eventually(() => app.logs.lines.some((l) => l.includes('notification already handled') && l.includes(order.orderNo) && l.includes('"seq":3')), { what: 'SHIPPED redelivery skipped by notification_log' });
    await sleep(800); // let the duplicates drain

    const sent = sentFor(order);
    expect(sent.map((m) => m.template_id)).toEqual([T.WAIT_PAY, T.PAY, T.SHIP, T.FINISH]);
    expect(new Set(sent.map((m) => m.touser))).toEqual(new Set([sim.openidFor(alice.code)]));
    expect(sent[1].data).toEqual({
      character_string1: { value: order.orderNo },
      amount2: { value: `${(order.payableFen / 100).toFixed(2)}元` },
      time3: { value: expect.stringMatching(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/) },
      phrase4: { value: '支付成功' },
    });

    const rows = await logRows(order);
    expect(rows.map((r) => [r.seq, r.event, r.kind, r.status, r.template_id])).toEqual([
      [1, 'CREATED', 'WAIT_PAY', 'SENT', T.WAIT_PAY],
      [2, 'PAID', 'PAY', 'SENT', T.PAY],
      [3, 'SHIPPED', 'SHIP', 'SENT', T.SHIP],
      [4, 'COMPLETED', 'FINISH', 'SENT', T.FINISH],
    ]);
    // The PAID row went out on its second attempt (the first met the 500).
    expect(rows.map((r) => r.attempts)).toEqual([1, 2, 1, 1]);
  });

  it('sends the cancel message for a real cancelOrder', async () => {
    const order = await placeOrder(app, alice, sku);
    await eventually(() => sentFor(order).length === 1, { what: 'wait-pay message' });
    const r = await gql(app.url, ops.cancelOrder, { orderNo: order.orderNo }, alice.token);
    expect(r.errors).toBeUndefined();
    await eventually(() => sentFor(order).length === 2, { what: 'cancel message' });
    const cancel = sentFor(order)[1];
    expect(cancel.template_id).toBe(T.CANCEL);
    expect(cancel.data.thing4.value).toBe('您已取消订单');
    // The row turns SENT once WeChat's answer is back, a moment after the simulator recorded the send.
    await eventually(async () => (await logRows(order)).every((row) => row.status !== 'SENDING'), { what: 'cancel notification marked' });
    expect((await logRows(order)).map((r) => [r.seq, r.kind, r.status])).toEqual([
      [1, 'WAIT_PAY', 'SENT'],
      [2, 'CANCEL', 'SENT'],
    ]);
  });

  it('treats "user did not subscribe" (43101) as done and "WeChat unavailable" as retry', async () => {
    const order = await placeOrder(app, alice, sku);
    await eventually(() => sentFor(order).length === 1, { what: 'wait-pay message' });
    const calls: SubscribeMessage[] = [];
    let answer: 'refuse' | 'unavailable' = 'unavailable';
    const wechat: MiniProgramApi = {
      code2Session: async () => {
        throw new Error('unused');
      },
      getAccessToken: async () => 'unused',
      sendSubscribeMessage: async (m) => {
        calls.push(m);
        if (answer === 'refuse') throw new WechatSubscribeRefusedError(43101);
        throw new WechatUnavailableError('answered HTTP 503', { status: 503 });
      },
    };
    const notify = new NotifyService({ wechat, users: app.services.auth as AuthService, factory: new OrderNotificationFactory(T) });
    const ctx = () => ({ em: app.orm.em.fork(), log: app.logger });
    const shipped = statusEvent(order, alice.userId, 'SHIPPED', 7);

    await expect(notify.notifyOrderStatus(ctx(), shipped)).rejects.toThrow(WechatUnavailableError);
    expect((await logRows(order)).find((r) => r.seq === 7)).toMatchObject({ status: 'RETRY', attempts: 1 });

    answer = 'refuse';
    await expect(notify.notifyOrderStatus(ctx(), shipped)).resolves.toBe('refused');
    expect((await logRows(order)).find((r) => r.seq === 7)).toMatchObject({ status: 'REFUSED', attempts: 2 });

    // A redelivery after the refusal calls WeChat no more.
    await expect(notify.notifyOrderStatus(ctx(), shipped)).resolves.toBe('duplicate');
    expect(calls).toHaveLength(2);
  });
});
