import type { EntityManager } from '@mikro-orm/mysql';
import type { TransactionalOutbox } from '../../infra/mq/outbox/outbox.port.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { LogisticsClient, WaybillReceiver } from '../../infra/wechat/providers/logistics.port.js';
import type { OrderService } from '../order/order.service.js';
import type { OrderPaid } from '../payment/payment-events.js';
import { Shipment, type ShipmentRow } from './shipment.entity.js';

/** Our own deadline on one waybill call (3 s), shorter than the client's: a slow provider frees the worker. */
export const DEFAULT_WAYBILL_TIMEOUT_MS = 3_000;

/**
 * Where an order ships to. Orders carry no address yet, so local mode ships to a stand-in
 * receiver derived from the user and store; production plugs in the real address book.
 */
export type ReceiverLookup = (em: EntityManager, order: { userId: number; storeId: number; orderNo: string }) => Promise<WaybillReceiver>;
export const simulatedReceiver: ReceiverLookup = async (_em, order) => ({
  name: `Customer ${order.userId}`,
  phone: `139${String(order.userId).padStart(8, '0').slice(-8)}`,
  address: `Pick-up counter, store ${order.storeId}`,
});

export type ShipOutcome = 'shipped' | 'duplicate' | 'skipped' | 'held';

export class WaybillTimeoutError extends Error {
  override name = 'WaybillTimeoutError';
}

/**
 * The warehouse side of a paid order: creates the waybill with the logistics provider (outside
 * any DB transaction, with a deadline), then records the shipment and moves the order PAID →
 * SHIPPED in one outbox transaction. Failures throw: the message is redelivered with backoff
 * and lands in the group's dead-letter queue after the configured attempts.
 */
export class ShippingService {
  constructor(
    private readonly deps: { outbox: TransactionalOutbox; orders: OrderService; logistics: LogisticsClient; metrics: Metrics; receiverOf?: ReceiverLookup },
    /** autoShip false (local mode's LOCAL_AUTO_SHIP=false): paid orders stay PAID, nothing is sent to logistics. */
    private readonly options: { waybillTimeoutMs?: number; autoShip?: boolean } = {},
  ) {}

  async shipPaidOrder(em: EntityManager, log: Logger, event: OrderPaid): Promise<ShipOutcome> {
    const outcomes = this.deps.metrics.counter('shipping_waybills_total', 'Waybill attempts of the shipping consumer, by outcome', ['outcome']);
    const { orderNo } = event;
    if (this.options.autoShip === false) {
      log.info({ orderNo }, 'LOCAL_AUTO_SHIP=false: the order stays PAID (not shipped)');
      return 'held';
    }
    if (await em.findOne(Shipment, { orderNo })) return 'duplicate';
    const view = await this.deps.orders.findByOrderNo(em, orderNo);
    if (!view) throw new Error(`paid order ${orderNo} not found`);
    if (view.order.status !== 'PAID') {
      // Refund asked before it shipped (or already shipped by another worker): nothing to send.
      log.info({ orderNo, status: view.order.status }, 'order is not waiting for shipment; not shipping');
      return 'skipped';
    }
    const receiver = await (this.deps.receiverOf ?? simulatedReceiver)(em, view.order);
    const items = view.items.map((i) => ({ skuId: String(i.skuId), name: `${i.productName} ${i.skuName}`, quantity: i.quantity }));
    let waybill: { waybillNo: string; carrier: string };
    try {
      // The provider treats orderNo as an idempotency key: a retry after a timeout gets the same waybill.
      waybill = await withTimeout(this.deps.logistics.createWaybill({ orderNo, receiver, items }), this.options.waybillTimeoutMs ?? DEFAULT_WAYBILL_TIMEOUT_MS);
    } catch (err) {
      outcomes.inc({ outcome: err instanceof WaybillTimeoutError ? 'timeout' : 'failed' });
      throw err;
    }
    await this.deps.outbox.transactional(em, async (tx, emit) => {
      tx.create(Shipment, { orderNo, waybillNo: waybill.waybillNo, carrier: waybill.carrier });
      await tx.flush();
      const shipped = await this.deps.orders.transition(tx, emit, orderNo, ['PAID'], 'SHIPPED', { patch: { shippedAt: new Date() }, reason: 'SHIPPED' });
      if (!shipped) log.warn({ orderNo }, 'order left PAID while its waybill was created; shipment recorded, status unchanged');
    });
    outcomes.inc({ outcome: 'created' });
    log.info({ orderNo, waybillNo: waybill.waybillNo, carrier: waybill.carrier }, 'order shipped');
    return 'shipped';
  }

  async shipmentOf(em: EntityManager, orderNo: string): Promise<ShipmentRow | null> {
    return em.findOne(Shipment, { orderNo });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaybillTimeoutError(`waybill call exceeded ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
