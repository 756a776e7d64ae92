import { describe, expect, it } from '@jest/globals';
import type { MiniProgramApi, SubscribeMessage } from '../../../src/infra/wechat/mini-program.port.js';
import type { OrderStatusChanged } from '../../../src/modules/order/order-events.js';
import { DEFAULT_NOTIFY_TEMPLATE_IDS as T } from '../../../src/modules/notify/notify.templates.js';
import { fitField, formatFen, formatTime, OrderNotification, OrderNotificationFactory } from '../../../src/modules/notify/order-notification.js';

const event = (over: Partial<OrderStatusChanged>): OrderStatusChanged => ({
  orderNo: 'O202611220350000000001',
  userId: 7,
  storeId: 1,
  event: 'CREATED',
  status: 'PENDING_PAYMENT',
  previousStatus: null,
  seq: 1,
  totalFen: 12_345,
  payableFen: 11_345,
  at: '2026-11-22T03:50:00.000Z',
  ...over,
});

describe('order notifications: factory and template method', () => {
  const factory = new OrderNotificationFactory(T);

  it('maps every stream event to its command', () => {
    const kinds = ['CREATED', 'PAID', 'SHIPPED', 'COMPLETED', 'CANCELLED', 'REFUNDING', 'REFUNDED'].map((e) => factory.create(event({ event: e as never, status: (e === 'CREATED' ? 'PENDING_PAYMENT' : e) as never }))?.kind);
    expect(kinds).toEqual(['WAIT_PAY', 'PAY', 'SHIP', 'FINISH', 'CANCEL', 'REFUND', 'REFUND']);
    expect(factory.create(event({ event: 'PENDING_PAYMENT' }))).toBeNull();
  });

  it('builds the body (template, page, data) and sends it through the port', async () => {
    const sent: SubscribeMessage[] = [];
    const api = { sendSubscribeMessage: async (m: SubscribeMessage) => void sent.push(m) } as unknown as MiniProgramApi;
    const n = factory.create(event({ event: 'CANCELLED', status: 'CANCELLED', previousStatus: 'PENDING_PAYMENT', seq: 2, reason: 'PAYMENT_TIMEOUT' }))!;
    expect(n).toBeInstanceOf(OrderNotification);
    await n.send(api, 'openid-1');
    expect(sent).toEqual([
      {
        toOpenid: 'openid-1',
        templateId: T.CANCEL,
        page: 'pages/order/detail?orderNo=O202611220350000000001',
        data: {
          character_string1: { value: 'O202611220350000000001' },
          amount2: { value: '113.45元' },
          time3: { value: '2026年11月22日 11:50' },
          thing4: { value: '超时未支付，订单已自动取消' },
        },
      },
    ]);
  });

  it("keeps values within WeChat's keyword limits", () => {
    const reason = '商品与描述不符，颜色和尺码都不对，希望尽快退款处理谢谢';
    const body = factory.create(event({ event: 'REFUNDING', status: 'REFUNDING', reason }))!.build('o');
    expect(Array.from(body.data.thing4.value)).toHaveLength(20);
    expect(body.data.thing4.value.endsWith('…')).toBe(true);
    expect(body.data.phrase3.value).toBe('退款中');
    expect(fitField('character_string1', 'x'.repeat(40))).toHaveLength(32);
    expect(fitField('phrase2', '这是一个很长的短语')).toBe('这是一个很');
    expect(fitField('custom9', 'y'.repeat(50))).toHaveLength(50);
    for (const e of ['CREATED', 'PAID', 'SHIPPED', 'COMPLETED', 'CANCELLED', 'REFUNDED'] as const) {
      const data = factory.create(event({ event: e, status: e === 'CREATED' ? 'PENDING_PAYMENT' : e }))!.build('o').data;
      for (const [key, { value }] of Object.entries(data)) expect(fitField(key, value)).toBe(value);
    }
  });

  it('formats money in fen and times in China time', () => {
    expect(formatFen(0)).toBe('0.00元');
    expect(formatFen(5)).toBe('0.05元');
    expect(formatFen(123_456)).toBe('1234.56元');
    expect(formatTime('2026-12-31T16:05:00Z')).toBe('2027年1月1日 00:05');
  });
});
