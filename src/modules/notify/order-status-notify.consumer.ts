import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, Topics } from '../../infra/mq/topics.js';
import type { OrderStatusChanged } from '../order/order-events.js';
import type { NotifyService } from './notify.service.js';
import { NOTIFICATION_BY_EVENT } from './order-notification.js';
import { orderStatusKey, readOrderStatusEvent } from '../order/order-status-message.js';

/**
 * cg-notify (FIFO, message group = orderNo): one WeChat subscribe message per order transition,
 * in the order's own order. A message that fails (WeChat unavailable) blocks its order's group
 * until it succeeds, so a later notification never overtakes an earlier one.
 */
export function orderStatusNotifyConsumer(notify: NotifyService): ConsumerDefinition<OrderStatusChanged> {
  return {
    name: 'notify-order-status',
    callsOutside: true,
    group: ConsumerGroups.Notify,
    topic: Topics.OrderStatus,
    tags: Object.keys(NOTIFICATION_BY_EVENT),
    idempotencyKey: orderStatusKey,
    async handle(ctx, message) {
      const read = readOrderStatusEvent(message);
      if ('invalid' in read) {
        ctx.log.error({ invalid: read.invalid }, 'malformed order-status event; dropped');
        return 'drop';
      }
      const outcome = await notify.notifyOrderStatus(ctx, read.event);
      return outcome === 'duplicate' ? 'duplicate' : undefined;
    },
  };
}
