import type { AuthService } from '../auth/auth.service.js';
import { defineModule } from '../module.js';
import { NotificationLog } from './notification-log.entity.js';
import { NotifyService } from './notify.service.js';
import { DEFAULT_NOTIFY_TEMPLATE_IDS } from './notify.templates.js';
import { OrderNotificationFactory } from './order-notification.js';
import { orderStatusNotifyConsumer } from './order-status-notify.consumer.js';
import { paySuccessSmsConsumer, simulatedPhone } from './pay-success-sms.consumer.js';
import { PaymentSms } from './payment-sms.entity.js';

/** Messages to the user: WeChat subscribe messages once per order transition, and the pay-success SMS. */
export const notifyModule = defineModule({
  name: 'notify',
  entities: [NotificationLog, PaymentSms],
  resolvers: [],
  create: ({ externals }, { auth }: { auth: AuthService }) => {
    const notify = new NotifyService({
      wechat: externals.miniProgram,
      users: auth,
      factory: new OrderNotificationFactory(DEFAULT_NOTIFY_TEMPLATE_IDS),
    });
    return {
      services: { notify },
      consumers: [orderStatusNotifyConsumer(notify), paySuccessSmsConsumer(externals.sms, simulatedPhone)],
    };
  },
});
