import type { CatalogService } from '../catalog/catalog.service.js';
import { defineModule } from '../module.js';
import type { OrderService } from '../order/order.service.js';
import { payNotifyRoute, type RefundNotifications } from './pay-notify.route.js';
import { PaymentApplier, type UnappliedPaymentRefunds } from './payment-applier.js';
import { Payment } from './payment.entity.js';
import { PaymentLedger } from './payment-ledger.js';
import { WechatPayStatusProbe } from './payment-probe.js';
import { PaymentResolver } from './payment.resolver.js';
import { PaymentService } from './payment.service.js';

/**
 * WeChat Pay: payOrder/simulatePayment, the notify route (payments here, refunds to the refund
 * module), the applier and the timeout probe the unpaid-order closer asks.
 */
export const paymentModule = defineModule({
  name: 'payment',
  entities: [Payment],
  resolvers: [PaymentResolver],
  create: (
    { config, orm, outbox, externals, logger, metrics },
    { orders, catalog, refunds }: { orders: OrderService; catalog: CatalogService; refunds: UnappliedPaymentRefunds & RefundNotifications },
  ) => {
    const payments = new PaymentService({ orders, pay: externals.pay, simulatePayment: externals.simulatePayment }, { localMode: config.localMode });
    const applier = new PaymentApplier({ outbox, orders, catalog, refunds, metrics });
    const probe = new WechatPayStatusProbe({ orm, orders, pay: externals.pay, applier, logger });
    return {
      services: { payments, paymentApplier: applier, paymentProbe: probe },
      resolvers: [new PaymentResolver(payments)],
      routes: payNotifyRoute({ orm, pay: externals.pay, orders, payments: applier, refunds, logger, metrics }),
    };
  },
});

/** The payment module's reads, stateless: handed to the refund module, which is built before it. */
export const paymentLedger = new PaymentLedger();
