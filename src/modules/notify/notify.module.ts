import type { AuthService } from '../auth/auth.service.js';
import type { ModuleFactory } from '../module.js';
import { NotifyService } from './notify.service.js';
import { DEFAULT_NOTIFY_TEMPLATE_IDS } from './notify.templates.js';
import { OrderNotificationFactory } from './order-notification.js';
import { orderStatusNotifyConsumer } from './order-status-notify.consumer.js';

/** Order-status notifications: WeChat subscribe messages, once per transition. */
export const notifyModule: ModuleFactory = ({ externals, services }) => {
  const notify = new NotifyService({
    wechat: externals.miniProgram,
    users: services.auth as AuthService,
    factory: new OrderNotificationFactory(DEFAULT_NOTIFY_TEMPLATE_IDS),
  });
  return {
    name: 'notify',
    services: { notify },
    consumers: [orderStatusNotifyConsumer(notify)],
  };
};
